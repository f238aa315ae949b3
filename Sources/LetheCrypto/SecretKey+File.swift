import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension SecretKey {
    /// Reads a key file of exactly 32 bytes with `read(2)` straight into the key's slot: no
    /// `Data` or array copy of the bytes is made.
    ///
    /// - Throws: `CryptoError.keyFileUnreadable` if the file cannot be opened or read;
    ///   `CryptoError.invalidKeyLength` if it is shorter or longer than 32 bytes.
    public static func read(keyFile path: String) throws -> SecretKey {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw CryptoError.keyFileUnreadable(path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        return try SecretKey { storage in
            let count = try readFully(descriptor, into: storage, path: path)
            guard count == byteCount else { throw CryptoError.invalidKeyLength(count) }
            // One more byte must not exist: a longer file is not a key (the byte is wiped).
            var extra: UInt8 = 0
            let more = try withUnsafeMutableBytes(of: &extra) { try readFully(descriptor, into: $0, path: path) }
            extra = 0
            guard more == 0 else {
                var info = stat()
                throw CryptoError.invalidKeyLength(fstat(descriptor, &info) == 0 ? Int(info.st_size) : byteCount + more)
            }
        }
    }

    /// Reads until `buffer` is full or the file ends; returns how many bytes were read.
    private static func readFully(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String) throws -> Int {
        var total = 0
        while total < buffer.count {
            let count = Glibc.read(descriptor, buffer.baseAddress! + total, buffer.count - total)
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw CryptoError.keyFileUnreadable(path, reason: String(cString: strerror(errno))) }
            if count == 0 { break }
            total += count
        }
        return total
    }
}
