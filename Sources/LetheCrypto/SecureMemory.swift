internal import CSodium

/// Wiping memory that held secrets or plaintext, in a way the optimiser cannot remove.
public enum SecureMemory {
    /// Overwrites `buffer` with zeros (`sodium_memzero`).
    public static func zero(_ buffer: UnsafeMutableRawBufferPointer) {
        Sodium.ensureInitialized()
        if let base = buffer.baseAddress { sodium_memzero(base, buffer.count) }
    }

    /// Overwrites every byte of `bytes` with zeros, in place (the count is unchanged).
    public static func zero(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { zero($0) }
    }

    /// Compares two byte buffers in time that depends only on their length (`sodium_memcmp`).
    ///
    /// - Returns: true if both have the same length and the same bytes.
    public static func constantTimeEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        Sodium.ensureInitialized()
        guard a.count == b.count else { return false }
        guard let pa = a.baseAddress, let pb = b.baseAddress else { return true }
        return sodium_memcmp(pa, pb, a.count) == 0
    }
}
