import Foundation
import LetheCore
internal import CSodium

/// An Ed25519 signing key for reports and receipts, held as its 32-byte seed.
///
/// The seed is a `SecretKey` (wiped on release, stored only wrapped); the 64-byte libsodium
/// secret key is rebuilt for each signature in a buffer wiped right after. The public half and
/// the 8-byte key id (minisign's, derived from the public key) are safe to print.
public struct SigningKey: Sendable {
    /// The seed the key pair is derived from.
    public let seed: SecretKey
    /// The Ed25519 public key (32 bytes).
    public let publicKey: [UInt8]

    /// The key pair of `seed`.
    public init(seed: SecretKey) {
        Sodium.ensureInitialized()
        self.seed = seed
        var publicKey = [UInt8](repeating: 0, count: Int(crypto_sign_PUBLICKEYBYTES))
        Self.withSecretKey(seed) { _, derivedPublic in publicKey = derivedPublic }
        self.publicKey = publicKey
    }

    /// A fresh key from the secure random generator.
    public static func random() -> SigningKey { SigningKey(seed: .random()) }

    /// minisign's key id: 8 bytes, here the first 8 of BLAKE2b over the public key, so the id
    /// follows from the key and needs no storage of its own.
    public var keyID: [UInt8] {
        let hash = Blake2b(outputCount: 16, key: nil, purpose: .keyID)
        hash.update(publicKey)
        return Array(hash.finalize().prefix(8))
    }

    /// The detached Ed25519 signature (64 bytes) of `message`.
    public func sign(_ message: [UInt8]) -> [UInt8] {
        var signature = [UInt8](repeating: 0, count: Int(crypto_sign_BYTES))
        Self.withSecretKey(seed) { secret, _ in
            let result = signature.withUnsafeMutableBufferPointer { out in
                message.withUnsafeBufferPointer { input in
                    crypto_sign_detached(out.baseAddress!, nil, input.baseAddress, UInt64(input.count), secret.baseAddress!)
                }
            }
            precondition(result == 0, "crypto_sign_detached failed")
        }
        return signature
    }

    /// True if `signature` is a valid Ed25519 signature of `message` under `publicKey`.
    public static func verify(_ signature: [UInt8], of message: [UInt8], publicKey: [UInt8]) -> Bool {
        Sodium.ensureInitialized()
        guard signature.count == Int(crypto_sign_BYTES), publicKey.count == Int(crypto_sign_PUBLICKEYBYTES) else { return false }
        return message.withUnsafeBufferPointer { input in
            crypto_sign_verify_detached(signature, input.baseAddress, UInt64(input.count), publicKey) == 0
        }
    }

    /// Calls `body` with the libsodium secret key (64 bytes) and public key of `seed`; the
    /// secret key is wiped when `body` returns.
    private static func withSecretKey(_ seed: SecretKey, _ body: (UnsafeMutableBufferPointer<UInt8>, [UInt8]) -> Void) {
        let secret = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: Int(crypto_sign_SECRETKEYBYTES))
        defer {
            SecureMemory.zero(UnsafeMutableRawBufferPointer(secret))
            secret.deallocate()
        }
        var publicKey = [UInt8](repeating: 0, count: Int(crypto_sign_PUBLICKEYBYTES))
        let result = seed.withUnsafeBytes { seedBytes in
            crypto_sign_seed_keypair(&publicKey, secret.baseAddress!, seedBytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        precondition(result == 0, "crypto_sign_seed_keypair failed")
        body(secret, publicKey)
    }
}
