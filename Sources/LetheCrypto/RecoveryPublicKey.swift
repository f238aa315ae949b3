import Foundation
import LetheCore
internal import CSodium

/// The public half of a recovery key pair (X25519): what every rotation seals the new KEK to.
///
/// Safe to store and print. Its text form is one line, `lethe-recovery-public-v1:` followed by
/// the 32 bytes in base64; its fingerprint is BLAKE2b-128 ("lethe-key-id-v1") over the 32 bytes.
public struct RecoveryPublicKey: Sendable, Equatable {
    /// The text form's prefix, naming the format version.
    public static let prefix = "lethe-recovery-public-v1:"
    /// The X25519 public key.
    public let bytes: [UInt8]

    /// A public key from its 32 bytes.
    ///
    /// - Throws: `CryptoError.invalidLength` if `bytes` is not 32 bytes.
    public init(bytes: [UInt8]) throws {
        guard bytes.count == Int(crypto_box_PUBLICKEYBYTES) else {
            throw CryptoError.invalidLength(what: "a recovery public key", expected: Int(crypto_box_PUBLICKEYBYTES), actual: bytes.count)
        }
        self.bytes = bytes
    }

    /// Reads the text form (surrounding whitespace and `#` comment lines are ignored).
    ///
    /// - Throws: `CryptoError.invalidRecoveryKey` if it is not one.
    public init(text: String) throws {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard lines.count == 1, lines[0].hasPrefix(Self.prefix),
              let decoded = Data(base64Encoded: String(lines[0].dropFirst(Self.prefix.count))),
              decoded.count == Int(crypto_box_PUBLICKEYBYTES) else {
            throw CryptoError.invalidRecoveryKey("a recovery public key is one line starting \(Self.prefix) then 32 bytes in base64")
        }
        try self.init(bytes: [UInt8](decoded))
    }

    /// The one-line text form (no newline).
    public var text: String { Self.prefix + Data(bytes).base64EncodedString() }

    /// The fingerprint `keys status` shows: 32 lowercase hex digits of `fingerprintBytes`.
    public var fingerprint: String { Digest.hex(fingerprintBytes) }

    /// BLAKE2b-128 ("lethe-key-id-v1") of the public key: 16 bytes.
    public var fingerprintBytes: [UInt8] {
        let hash = Blake2b(outputCount: 16, key: nil, purpose: .keyID)
        hash.update(bytes)
        return hash.finalize()
    }

    /// The length of `seal`'s output: an ephemeral public key, the sealed key and a tag.
    public static let sealedByteCount = Int(crypto_box_sealbytes()) + SecretKey.byteCount

    /// Seals `key` to this public key (`crypto_box_seal`): only the private half opens it.
    ///
    /// Anonymous: anyone with the public key can seal, so a sealed key proves nothing about
    /// where it came from; the caller checks what it opens to (its fingerprint) against a record.
    public func seal(_ key: SecretKey) -> [UInt8] {
        Sodium.ensureInitialized()
        var sealed = [UInt8](repeating: 0, count: Self.sealedByteCount)
        let result = key.withUnsafeBytes { plain in
            crypto_box_seal(&sealed, plain.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(plain.count), bytes)
        }
        precondition(result == 0, "crypto_box_seal failed")
        return sealed
    }
}
