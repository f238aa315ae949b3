import Foundation
import LetheCore
internal import CSodium

/// The private half of a recovery key pair: opens what `RecoveryPublicKey.seal` sealed.
///
/// Held as a `SecretKey` (locked memory, wiped on release). It belongs offline: generated once
/// at `init`, written once to a file the operator moves away, read back only by `keys recover`.
public struct RecoveryPrivateKey: Sendable {
    /// The text form's prefix, naming the format version.
    public static let prefix = "lethe-recovery-private-v1:"
    /// The X25519 secret key.
    let secret: SecretKey
    /// Its public half.
    public let publicKey: RecoveryPublicKey

    /// A fresh key pair (`crypto_box_keypair`), the secret written straight into locked memory.
    public static func generate() -> RecoveryPrivateKey {
        Sodium.ensureInitialized()
        var publicBytes = [UInt8](repeating: 0, count: Int(crypto_box_PUBLICKEYBYTES))
        let secret = SecretKey { storage in
            let result = crypto_box_keypair(&publicBytes, storage.baseAddress!.assumingMemoryBound(to: UInt8.self))
            precondition(result == 0, "crypto_box_keypair failed")
        }
        return RecoveryPrivateKey(secret: secret, publicKey: try! RecoveryPublicKey(bytes: publicBytes))
    }

    /// The key pair of `secret` (its public half recomputed with `crypto_scalarmult_base`).
    public init(secret: SecretKey) throws {
        var publicBytes = [UInt8](repeating: 0, count: Int(crypto_box_PUBLICKEYBYTES))
        let result = secret.withUnsafeBytes { crypto_scalarmult_base(&publicBytes, $0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
        guard result == 0 else { throw CryptoError.sodiumFailed("crypto_scalarmult_base") }
        self.init(secret: secret, publicKey: try RecoveryPublicKey(bytes: publicBytes))
    }

    private init(secret: SecretKey, publicKey: RecoveryPublicKey) {
        self.secret = secret
        self.publicKey = publicKey
    }

    /// Opens a sealed key (`crypto_box_seal_open`) straight into a key's locked memory.
    ///
    /// - Throws: `CryptoError.invalidLength` if `sealed` is not `sealedByteCount` bytes;
    ///   `CryptoError.authenticationFailed` if it was sealed to another key or altered.
    public func open(_ sealed: [UInt8]) throws -> SecretKey {
        guard sealed.count == RecoveryPublicKey.sealedByteCount else {
            throw CryptoError.invalidLength(what: "a sealed key", expected: RecoveryPublicKey.sealedByteCount, actual: sealed.count)
        }
        return try SecretKey { plain in
            let result = secret.withUnsafeBytes { secretBytes in
                crypto_box_seal_open(plain.baseAddress!.assumingMemoryBound(to: UInt8.self), sealed, UInt64(sealed.count),
                                     publicKey.bytes, secretBytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
            guard result == 0 else { throw CryptoError.authenticationFailed(what: "the sealed key") }
        }
    }
}
