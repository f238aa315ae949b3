import Foundation
import LetheCore
import Synchronization
internal import CSodium

/// A 32-byte symmetric key: a customer key, an expiry key, a data key, a key-encryption key.
///
/// The bytes live in a slot of `KeyArena.shared` (locked in RAM, excluded from core dumps), are
/// wiped with `sodium_memzero` when the key is released, and are reachable only inside
/// `withUnsafeBytes`. Nothing prints them: the description shows only the key's `id`. Equality
/// compares in constant time.
public final class SecretKey: @unchecked Sendable, Equatable, CustomStringConvertible {
    /// The length of every Lethe key, in bytes.
    public static let byteCount = 32

    // Written once in init, read-only afterwards: safe to share between threads.
    private let storage: UnsafeMutableRawBufferPointer
    /// The fingerprint, once asked for (a backup asks for a customer key's several times).
    private let fingerprint = Mutex<KeyID?>(nil)

    /// Makes a key whose bytes `fill` writes; the bytes are wiped on release even if `fill` throws.
    init(filling fill: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        Sodium.ensureInitialized()
        storage = KeyArena.shared.allocate()
        try fill(storage)
    }

    deinit {
        KeyArena.shared.release(storage)
    }

    /// A fresh key from the secure random generator.
    public static func random() -> SecretKey {
        SecretKey { SecureRandom.fill($0) }
    }

    /// A key holding a copy of `bytes`, which must be exactly 32 bytes.
    ///
    /// The caller remains responsible for wiping its own copy of the bytes.
    /// - Throws: `CryptoError.invalidKeyLength` if `bytes` is not 32 bytes long.
    public convenience init(copying bytes: some ContiguousBytes) throws {
        try self.init { storage in
            try bytes.withUnsafeBytes { source in
                guard source.count == SecretKey.byteCount else {
                    throw CryptoError.invalidKeyLength(source.count)
                }
                storage.copyMemory(from: source)
            }
        }
    }

    /// Calls `body` with the key's bytes. Do not let the pointer, or copies of the bytes, escape.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(storage))
    }

    /// The key's fingerprint: safe to print, store and put in archive headers.
    ///
    /// BLAKE2b-128 keyed by the key itself, over an empty message, personalised
    /// "lethe-key-id-v1"; lowercase hex, 32 characters. It reveals nothing about the key.
    public var id: KeyID {
        fingerprint.withLock { cached in
            if let cached { return cached }
            let hash = withUnsafeBytes { Blake2b(outputCount: 16, key: $0, purpose: .keyID) }
            let id = KeyID(Digest.hex(hash.finalize()))
            cached = id
            return id
        }
    }

    /// "SecretKey(<id>)": never the bytes.
    public var description: String { "SecretKey(\(id))" }

    /// True if both keys hold the same bytes (constant-time comparison).
    public static func == (a: SecretKey, b: SecretKey) -> Bool {
        a.withUnsafeBytes { x in b.withUnsafeBytes { y in SecureMemory.constantTimeEqual(x, y) } }
    }
}
