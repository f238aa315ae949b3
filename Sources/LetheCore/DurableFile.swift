import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Small, durable file operations: every write is synced, and so is the folder after a rename.
///
/// `publish` is the one way a file is made to survive a power cut (invariant 7): a temporary
/// file beside the target, written, synced, renamed (or linked without replacing) into place,
/// and the folder synced. Every other write of a file that must last goes through it.
public enum DurableFile {
    /// How `publish` puts the finished file in place.
    public enum Publication: Sendable {
        /// rename(2) over whatever is at the target: readers see the old file or the whole new one.
        case replace
        /// link(2), which never replaces: a file that is (or appeared) at the target is left
        /// alone and the publication fails with `EEXIST` (operation `.link`).
        case noReplace
    }

    /// Writes a file durably and publishes it under `url`: the bytes `write` gives its sink go
    /// to a temporary file beside `url` (mode `mode`), which is synced, closed, checked by
    /// `beforePublishing`, renamed or linked into place (`publication`), checked again by
    /// `afterPublishing`, and the folder synced.
    ///
    /// Failures while the temporary file is written name `url`, the file the caller asked
    /// for (the temporary name is of no use to whoever reads the message).
    ///
    /// On a failure before the file appears nothing is left: the temporary file is removed,
    /// the folder synced so the removal lasts, and the error rethrown. When `afterPublishing`
    /// throws, the published file is removed likewise (a replaced file is then already gone, so
    /// it is meant for `.noReplace`). Only a failure of the last folder sync leaves the file
    /// in place (published, perhaps not yet durable).
    ///
    /// - Parameters:
    ///   - url: where the file appears.
    ///   - publication: replace what is there, or never replace.
    ///   - mode: the file's permissions.
    ///   - temporaryName: the temporary file's name in `url`'s folder (default `.NAME.tmp-RANDOM`).
    ///   - uncached: drops the file's pages from the page cache once synced (written once, read rarely).
    ///   - failure: turns this function's own failures (and the sink's) into the caller's error.
    ///   - write: writes the content to the sink.
    ///   - beforePublishing: a last check before the file appears; throwing stops the publication.
    ///   - afterPublishing: a check once the file is visible; throwing takes the file back.
    /// - Returns: how many bytes were written.
    /// - Throws: `failure` of a `DurableFileError`, or what `write` and the checks throw.
    @discardableResult
    public static func publish(_ url: URL, _ publication: Publication, mode: mode_t, temporaryName: String? = nil,
                               uncached: Bool = false,
                               failure: @escaping (DurableFileError) -> any Error = { $0 },
                               write: (any ByteSink) throws -> Void,
                               beforePublishing: () throws -> Void = {},
                               afterPublishing: () throws -> Void = {}) throws -> Int64 {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(temporaryName ?? ".\(url.lastPathComponent).tmp-\(RandomName.base32(count: 8))",
                                                      isDirectory: false)
        let written: Int64
        do {
            written = try writeSynced(temporary, named: url.path, mode: mode, uncached: uncached, failure: failure, write: write)
            try beforePublishing()
            switch publication {
            case .replace:
                guard Glibc.rename(temporary.path, url.path) == 0 else {
                    throw DurableFileError(operation: .rename, path: url.path, code: errno)
                }
            case .noReplace:
                guard link(temporary.path, url.path) == 0 else { throw DurableFileError(operation: .link, path: url.path, code: errno) }
                unlink(temporary.path)
            }
        } catch {
            unlink(temporary.path)
            try? syncDirectory(folder)
            throw (error as? DurableFileError).map(failure) ?? error
        }
        do {
            try afterPublishing()
        } catch {
            unlink(url.path)
            try? syncDirectory(folder)
            throw error
        }
        do {
            try syncDirectory(folder)
        } catch let error as DurableFileError {
            throw failure(error)
        }
        return written
    }

    /// Creates `file` (never over an existing one), lets `write` fill it, syncs and closes it;
    /// errors name the file as `name`.
    private static func writeSynced(_ file: URL, named name: String, mode: mode_t, uncached: Bool,
                                    failure: @escaping (DurableFileError) -> any Error,
                                    write: (any ByteSink) throws -> Void) throws -> Int64 {
        let fd = open(file.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw DurableFileError(operation: .create, path: name, code: errno) }
        let sink = DurableFileSink(fd: fd, path: name, failure: failure)
        defer { sink.close() }
        try write(sink)
        guard fsync(fd) == 0 else { throw DurableFileError(operation: .sync, path: name, code: errno) }
        if uncached { _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_DONTNEED)) }
        guard sink.close() == 0 else { throw DurableFileError(operation: .close, path: name, code: errno) }
        return sink.written
    }

    /// Replaces (or creates) the file at `url` atomically with `bytes`: `publish(url, .replace, …)`.
    /// Readers see the old file or the whole new one, never a part; on failure the temporary
    /// file is removed and `url` is untouched.
    public static func replace(_ url: URL, with bytes: UnsafeRawBufferPointer, mode: mode_t) throws {
        try publish(url, .replace, mode: mode) { try $0.write(bytes) }
    }

    /// Writes `bytes` to a new file at `url`, replacing nothing (fails if it exists):
    /// `publish(url, .noReplace, …)`, so a failed write leaves no file behind.
    public static func write(_ bytes: UnsafeRawBufferPointer, to url: URL, mode: mode_t) throws {
        try publish(url, .noReplace, mode: mode) { try $0.write(bytes) }
    }

    /// Overwrites an existing file in place with `bytes` (from offset 0) and fsyncs it.
    public static func overwrite(_ url: URL, with bytes: UnsafeRawBufferPointer) throws {
        let fd = open(url.path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DurableFileError(operation: .open, path: url.path, code: errno) }
        defer { close(fd) }
        try writeAll(fd, bytes, path: url.path)
        guard fsync(fd) == 0 else { throw DurableFileError(operation: .sync, path: url.path, code: errno) }
    }

    /// Renames `source` to `destination` atomically and fsyncs the destination's folder.
    public static func rename(_ source: URL, to destination: URL) throws {
        guard Glibc.rename(source.path, destination.path) == 0 else {
            throw DurableFileError(operation: .rename, path: destination.path, code: errno)
        }
        try syncDirectory(destination.deletingLastPathComponent())
    }

    /// Removes a file and fsyncs its folder.
    public static func remove(_ url: URL) throws {
        guard unlink(url.path) == 0 else { throw DurableFileError(operation: .remove, path: url.path, code: errno) }
        try syncDirectory(url.deletingLastPathComponent())
    }

    /// Fsyncs a folder so that renames and removals in it survive a crash. The only place a
    /// folder is synced.
    public static func syncDirectory(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw DurableFileError(operation: .openFolder, path: url.path, code: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw DurableFileError(operation: .syncFolder, path: url.path, code: errno) }
    }

    /// Writes every byte to `fd`, retrying short writes and EINTR.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw DurableFileError(operation: .write, path: path, code: errno)
            }
            offset += n
        }
    }
}

/// The temporary file `DurableFile.publish` and `stage` hand to their writer; closes on release.
final class DurableFileSink: ByteSink {
    private var fd: Int32
    private let path: String
    private let failure: (DurableFileError) -> any Error
    private(set) var written: Int64 = 0

    init(fd: Int32, path: String, failure: @escaping (DurableFileError) -> any Error) {
        self.fd = fd
        self.path = path
        self.failure = failure
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard fd >= 0 else { throw failure(DurableFileError(operation: .write, path: path, code: EBADF)) }
        do {
            try DurableFile.writeAll(fd, bytes, path: path)
        } catch let error as DurableFileError {
            throw failure(error)
        }
        written += Int64(bytes.count)
    }

    /// Hands the open descriptor over to the caller (who closes it); the sink no longer holds it.
    func release() -> Int32 {
        defer { fd = -1 }
        return fd
    }

    /// Closes the file once; the result of close(2) (0 when already closed).
    @discardableResult
    func close() -> Int32 {
        guard fd >= 0 else { return 0 }
        let result = Glibc.close(fd)
        fd = -1
        return result
    }

    deinit { close() }
}

/// A failed file operation, with the POSIX reason.
public struct DurableFileError: ClassifiedError, CustomStringConvertible {
    /// Which step failed; the raw value is how the message names it.
    public enum Operation: String, Sendable {
        /// Creating a new file (never over an existing one).
        case create
        /// Opening an existing file.
        case open
        /// Writing to a file.
        case write
        /// Syncing a file.
        case sync
        /// Closing a file after its sync.
        case close
        /// Renaming a file into place.
        case rename
        /// Linking a file into place without replacing.
        case link
        /// Removing a file.
        case remove
        /// Opening a folder to sync it.
        case openFolder = "open folder"
        /// Syncing a folder.
        case syncFolder = "sync folder"
    }

    /// The step that failed.
    public let operation: Operation
    /// The file or folder it failed on.
    public let path: String
    /// The POSIX error number.
    public let code: Int32

    /// A failure of `operation` on `path` with errno `code`.
    public init(operation: Operation, path: String, code: Int32) { (self.operation, self.path, self.code) = (operation, path, code) }

    /// Always failed: nothing was committed (a full disk included).
    public var failureClass: FailureClass { .failed }

    /// True when the disk (or quota) is full.
    public var isDiskFull: Bool { code == ENOSPC || code == EDQUOT }

    public var description: String {
        let reason = String(cString: strerror(code))
        if isDiskFull { return "cannot \(operation.rawValue) \(path): the disk is full; free space and run again" }
        if operation == .create && (code == ENOENT || code == ENOTDIR) {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            return "cannot create \(path): the folder \(folder) does not exist; create it first"
        }
        return "cannot \(operation.rawValue) \(path): \(reason)"
    }
}
