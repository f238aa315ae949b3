internal import CSodium

/// Unkeyed digests and HMAC, for checksums and request signing (S3 Signature V4).
public enum Digest {
    /// SHA-256 of `bytes` (32 bytes).
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        let hasher = SHA256Hasher()
        bytes.withUnsafeBytes { hasher.update($0) }
        return hasher.finalize()
    }

    /// HMAC-SHA-256 of `message` under `key` (any key length; 32-byte result).
    public static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        Sodium.ensureInitialized()
        let state = UnsafeMutablePointer<crypto_auth_hmacsha256_state>.allocate(capacity: 1)
        defer {
            SecureMemory.zero(UnsafeMutableRawBufferPointer(start: state, count: MemoryLayout<crypto_auth_hmacsha256_state>.size))
            state.deallocate()
        }
        var out = [UInt8](repeating: 0, count: Int(crypto_auth_hmacsha256_BYTES))
        guard key.withBytePointer({ crypto_auth_hmacsha256_init(state, $0, key.count) }) == 0 else {
            fatalError("crypto_auth_hmacsha256_init failed")
        }
        guard message.withBytePointer({ crypto_auth_hmacsha256_update(state, $0, UInt64(message.count)) }) == 0 else {
            fatalError("crypto_auth_hmacsha256_update failed")
        }
        guard out.withUnsafeMutableBufferPointer({ crypto_auth_hmacsha256_final(state, $0.baseAddress!) }) == 0 else {
            fatalError("crypto_auth_hmacsha256_final failed")
        }
        return out
    }

    /// Unkeyed BLAKE2b-256 of `bytes` (32 bytes; plain BLAKE2b, no personalisation).
    public static func blake2b256(_ bytes: [UInt8]) -> [UInt8] {
        let hash = Blake2b(outputCount: 32, key: nil, purpose: nil)
        hash.update(bytes)
        return hash.finalize()
    }

    /// Lowercase hexadecimal of `bytes`.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Incremental SHA-256, for checksums of streams (S3 uploads) that are never held whole.
public final class SHA256Hasher {
    private let state: UnsafeMutablePointer<crypto_hash_sha256_state>
    private var finished = false

    /// Starts an empty hash.
    public init() {
        Sodium.ensureInitialized()
        state = .allocate(capacity: 1)
        guard crypto_hash_sha256_init(state) == 0 else { fatalError("crypto_hash_sha256_init failed") }
    }

    deinit { state.deallocate() }

    /// Adds `bytes` to the hash. Must not be called after `finalize()`.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        precondition(!finished, "SHA256Hasher.update after finalize")
        let result = bytes.withBytePointer { crypto_hash_sha256_update(state, $0, UInt64(bytes.count)) }
        guard result == 0 else { fatalError("crypto_hash_sha256_update failed") }
    }

    /// The digest of everything added (32 bytes). Call once.
    public func finalize() -> [UInt8] {
        precondition(!finished, "SHA256Hasher.finalize called twice")
        finished = true
        var out = [UInt8](repeating: 0, count: Int(crypto_hash_sha256_BYTES))
        guard out.withUnsafeMutableBufferPointer({ crypto_hash_sha256_final(state, $0.baseAddress!) }) == 0 else {
            fatalError("crypto_hash_sha256_final failed")
        }
        return out
    }
}
