internal import CSodium

/// Incremental BLAKE2b with an optional key and a 16-byte personalisation (domain separation).
///
/// Owns libsodium's hash state; the state is wiped and freed on deinit.
final class Blake2b {
    /// Personalisation strings, one per purpose, so that no two purposes can produce the same
    /// output from the same key and message. Each is ASCII, zero-padded to 16 bytes.
    enum Purpose: String {
        case keyID = "lethe-key-id-v1"
        case derive = "lethe-derive-v1"
        case keyedHash = "lethe-keyhash-v1"
        case digest = "lethe-digest-v1"

        var personal: [UInt8] {
            var bytes = Array(rawValue.utf8)
            precondition(bytes.count <= 16)
            bytes += [UInt8](repeating: 0, count: 16 - bytes.count)
            return bytes
        }
    }

    private static let stateSize = max(crypto_generichash_blake2b_statebytes(), 384)
    private let state: UnsafeMutableRawPointer
    private let outputCount: Int

    /// Starts a hash of `outputCount` bytes (16...64), keyed by `key` if given.
    init(outputCount: Int, key: UnsafeRawBufferPointer?, purpose: Purpose?) {
        precondition((16...64).contains(outputCount))
        Sodium.ensureInitialized()
        self.outputCount = outputCount
        state = UnsafeMutableRawPointer.allocate(byteCount: Blake2b.stateSize, alignment: 64)
        let typed = OpaquePointer(state)
        let personal = purpose?.personal
        let result = personal.withUnsafeOptionalBytes { personalPointer in
            crypto_generichash_blake2b_init_salt_personal(
                typed,
                key?.baseAddress?.assumingMemoryBound(to: UInt8.self), key?.count ?? 0,
                outputCount, nil, personalPointer)
        }
        guard result == 0 else { fatalError("crypto_generichash_blake2b_init_salt_personal failed") }
    }

    deinit {
        SecureMemory.zero(UnsafeMutableRawBufferPointer(start: state, count: Blake2b.stateSize))
        state.deallocate()
    }

    /// Adds bytes to the hash.
    func update(_ bytes: UnsafeRawBufferPointer) {
        let typed = OpaquePointer(state)
        let result = bytes.withBytePointer {
            crypto_generichash_blake2b_update(typed, $0, UInt64(bytes.count))
        }
        guard result == 0 else { fatalError("crypto_generichash_blake2b_update failed") }
    }

    /// Adds bytes to the hash.
    func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Adds a length-prefixed (u32 big-endian) field, so that concatenations are unambiguous.
    func updateLengthPrefixed(_ bytes: [UInt8]) {
        let count = UInt32(bytes.count)
        update([UInt8(count >> 24), UInt8((count >> 16) & 0xff), UInt8((count >> 8) & 0xff), UInt8(count & 0xff)])
        update(bytes)
    }

    /// Writes the digest into `output` (exactly `outputCount` bytes).
    func finalize(into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count == outputCount)
        let typed = OpaquePointer(state)
        let result = crypto_generichash_blake2b_final(
            typed, output.baseAddress!.assumingMemoryBound(to: UInt8.self), outputCount)
        guard result == 0 else { fatalError("crypto_generichash_blake2b_final failed") }
    }

    /// The digest as bytes.
    func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: outputCount)
        out.withUnsafeMutableBytes { finalize(into: $0) }
        return out
    }
}

extension UnsafeRawBufferPointer {
    /// Calls `body` with a non-null pointer to the bytes (a pointer to a zero byte when empty),
    /// for C functions that take a pointer and a length and do not accept NULL.
    func withBytePointer<R>(_ body: (UnsafePointer<UInt8>) throws -> R) rethrows -> R {
        if let base = baseAddress { return try body(base.assumingMemoryBound(to: UInt8.self)) }
        var zero: UInt8 = 0
        return try body(&zero)
    }
}

extension Array where Element == UInt8 {
    /// Calls `body` with a non-null pointer to the bytes (a pointer to a zero byte when empty).
    func withBytePointer<R>(_ body: (UnsafePointer<UInt8>) throws -> R) rethrows -> R {
        try withUnsafeBytes { try $0.withBytePointer(body) }
    }
}

extension Optional where Wrapped == [UInt8] {
    /// Calls `body` with a pointer to the bytes, or nil.
    func withUnsafeOptionalBytes<R>(_ body: (UnsafePointer<UInt8>?) throws -> R) rethrows -> R {
        switch self {
        case .none: return try body(nil)
        case .some(let bytes): return try bytes.withUnsafeBufferPointer { try body($0.baseAddress) }
        }
    }
}
