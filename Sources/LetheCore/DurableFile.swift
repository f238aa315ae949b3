import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Small, durable file operations: every write is synced, and so is the folder after a rename.
public enum DurableFile {
    /// Writes `bytes` to a new file at `url` (replacing nothing: fails if it exists) and fsyncs it.
    public static func write(_ bytes: UnsafeRawBufferPointer, to url: URL, mode: mode_t) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw DurableFileError(operation: "create", path: url.path, code: errno) }
        defer { close(fd) }
        try writeAll(fd, bytes, path: url.path)
        guard fsync(fd) == 0 else { throw DurableFileError(operation: "sync", path: url.path, code: errno) }
    }

    /// Replaces (or creates) the file at `url` atomically: `bytes` go to a temporary file beside
    /// it (`.NAME.tmp-RANDOM`), which is synced, renamed over `url`, and the folder synced.
    /// Readers see the old file or the whole new one, never a part; on failure the temporary
    /// file is removed and `url` is untouched.
    public static func replace(_ url: URL, with bytes: UnsafeRawBufferPointer, mode: mode_t) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(RandomName.base32(count: 8))")
        do {
            try write(bytes, to: temporary, mode: mode)
            try rename(temporary, to: url)
        } catch {
            unlink(temporary.path)
            throw error
        }
    }

    /// Overwrites an existing file in place with `bytes` (from offset 0) and fsyncs it.
    public static func overwrite(_ url: URL, with bytes: UnsafeRawBufferPointer) throws {
        let fd = open(url.path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DurableFileError(operation: "open", path: url.path, code: errno) }
        defer { close(fd) }
        try writeAll(fd, bytes, path: url.path)
        guard fsync(fd) == 0 else { throw DurableFileError(operation: "sync", path: url.path, code: errno) }
    }

    /// Renames `source` to `destination` atomically and fsyncs the destination's folder.
    public static func rename(_ source: URL, to destination: URL) throws {
        guard Glibc.rename(source.path, destination.path) == 0 else {
            throw DurableFileError(operation: "rename", path: destination.path, code: errno)
        }
        try syncDirectory(destination.deletingLastPathComponent())
    }

    /// Removes a file and fsyncs its folder.
    public static func remove(_ url: URL) throws {
        guard unlink(url.path) == 0 else { throw DurableFileError(operation: "remove", path: url.path, code: errno) }
        try syncDirectory(url.deletingLastPathComponent())
    }

    /// Fsyncs a folder so that renames and removals in it survive a crash.
    public static func syncDirectory(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw DurableFileError(operation: "open folder", path: url.path, code: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw DurableFileError(operation: "sync folder", path: url.path, code: errno) }
    }

    /// Writes every byte to `fd`, retrying short writes and EINTR.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw DurableFileError(operation: "write", path: path, code: errno)
            }
            offset += n
        }
    }
}

/// A failed file operation, with the POSIX reason.
public struct DurableFileError: Error, CustomStringConvertible {
    public let operation: String
    public let path: String
    public let code: Int32

    /// True when the disk (or quota) is full.
    public var isDiskFull: Bool { code == ENOSPC || code == EDQUOT }

    public var description: String {
        let reason = String(cString: strerror(code))
        if isDiskFull { return "cannot \(operation) \(path): the disk is full; free space and run again" }
        return "cannot \(operation) \(path): \(reason)"
    }
}
