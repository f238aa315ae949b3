import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension DurableFile {
    /// A file written under a temporary name beside its target, neither synced nor published
    /// yet: `stage`'s result, published with others by `publishStaged`.
    public final class Staged: @unchecked Sendable {
        /// Where the file appears once published.
        public let url: URL
        /// The temporary file holding the bytes until then.
        let temporary: URL
        /// How many bytes were written.
        public let size: Int64
        /// Kept open until published, to drop the file's pages from the cache once synced.
        fileprivate var fd: Int32

        fileprivate init(url: URL, temporary: URL, size: Int64, fd: Int32) {
            (self.url, self.temporary, self.size, self.fd) = (url, temporary, size, fd)
        }

        /// Closes the file once (publishing or discarding it closes it).
        fileprivate func close() {
            if fd >= 0 { Glibc.close(fd) }
            fd = -1
        }

        deinit { close() }
    }

    /// Writes a file under a temporary name beside `url` (mode `mode`) and returns it, unsynced
    /// and unpublished: the first half of `publish`, for `publishStaged` to finish many files
    /// at once. A failure removes the temporary file; a process that dies leaves it, under the
    /// caller's temporary name, for its clean-up.
    ///
    /// - Throws: `failure` of a `DurableFileError`, or what `write` throws.
    public static func stage(_ url: URL, mode: mode_t, temporaryName: String,
                             failure: @escaping (DurableFileError) -> any Error = { $0 },
                             write: (any ByteSink) throws -> Void) throws -> Staged {
        // isDirectory given: Foundation would otherwise stat the new name to find out.
        let temporary = url.deletingLastPathComponent().appendingPathComponent(temporaryName, isDirectory: false)
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure(DurableFileError(operation: .create, path: url.path, code: errno)) }
        let sink = DurableFileSink(fd: fd, path: url.path, failure: failure)
        do {
            try write(sink)
        } catch {
            sink.close()
            unlink(temporary.path)
            throw (error as? DurableFileError).map(failure) ?? error
        }
        return Staged(url: url, temporary: temporary, size: sink.written, fd: sink.release())
    }

    /// Removes a staged file that is not to be published.
    public static func discard(_ staged: Staged) {
        staged.close()
        unlink(staged.temporary.path)
    }

    /// Publishes staged files together, as durably as `publish` does one: one sync of the file
    /// system that holds `root` makes every file's bytes (and the folders made for them)
    /// durable, then each is renamed into place, then a second sync makes the renames durable.
    /// Two syncs for the whole batch instead of a file sync and a folder sync per file.
    ///
    /// A rename that fails fails its file alone (its temporary file is removed). A failed sync
    /// fails the whole batch: before the renames nothing is published (every temporary file is
    /// removed); after them the renamed files are removed again (a file that may not be durable
    /// is never reported as published).
    ///
    /// - Parameters:
    ///   - files: the staged files (of one file system: `root`'s).
    ///   - root: a folder on that file system (opened to sync it).
    ///   - uncached: drops each file's pages from the page cache once synced.
    /// - Returns: per file, in order, nil once published, or the rename's error.
    /// - Throws: a `DurableFileError` of a failed sync (nothing published).
    public static func publishStaged(_ files: [Staged], root: URL, uncached: Bool) throws -> [DurableFileError?] {
        guard !files.isEmpty else { return [] }
        do {
            try syncFileSystem(of: root, files, renamed: false)
        } catch {
            for file in files { discard(file) }
            throw error
        }
        var results: [DurableFileError?] = []
        results.reserveCapacity(files.count)
        for file in files {
            if uncached { _ = posix_fadvise(file.fd, 0, 0, Int32(POSIX_FADV_DONTNEED)) }
            file.close()
            if Glibc.rename(file.temporary.path, file.url.path) == 0 {
                results.append(nil)
            } else {
                results.append(DurableFileError(operation: .rename, path: file.url.path, code: errno))
                unlink(file.temporary.path)
            }
        }
        do {
            try syncFileSystem(of: root, files, renamed: true)
        } catch {
            for (file, result) in zip(files, results) where result == nil { unlink(file.url.path) }
            try? syncFileSystem(of: root, files, renamed: true)
            throw error
        }
        return results
    }

    /// `syncfs(2)` on the file system of `root`. Where the C library has none: each file
    /// (before the renames), or each file's folder and the folder above it, which a new
    /// folder was made in (after them).
    private static func syncFileSystem(of root: URL, _ files: [Staged], renamed: Bool) throws {
        if let syncfs = SyncFS.function {
            let fd = open(root.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else { throw DurableFileError(operation: .openFolder, path: root.path, code: errno) }
            defer { Glibc.close(fd) }
            guard syncfs(fd) == 0 else { throw DurableFileError(operation: .syncFolder, path: root.path, code: errno) }
            return
        }
        if !renamed {
            for file in files where fsync(file.fd) != 0 { throw DurableFileError(operation: .sync, path: file.url.path, code: errno) }
            return
        }
        let folders = Set(files.map { $0.url.deletingLastPathComponent() })
        for folder in folders.union(folders.map { $0.deletingLastPathComponent() }) { try syncDirectory(folder) }
    }
}

/// `syncfs(2)`, looked up at run time: Swift's Glibc module does not declare it (it needs
/// `_GNU_SOURCE`), but glibc has had it since 2.14.
private enum SyncFS {
    typealias Function = @convention(c) (Int32) -> Int32
    static let function: Function? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "syncfs")
        .map { unsafeBitCast($0, to: Function.self) }
}
