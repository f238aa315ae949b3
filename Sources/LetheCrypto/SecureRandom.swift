internal import CSodium

/// Random bytes from libsodium's secure generator (the kernel's CSPRNG).
public enum SecureRandom {
    /// `count` random bytes.
    ///
    /// - Parameter count: how many bytes; must not be negative.
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0, "SecureRandom.bytes: negative count")
        var result = [UInt8](repeating: 0, count: count)
        result.withUnsafeMutableBytes { fill($0) }
        return result
    }

    /// Fills `buffer` with random bytes.
    static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        Sodium.ensureInitialized()
        if let base = buffer.baseAddress { randombytes_buf(base, buffer.count) }
    }
}
