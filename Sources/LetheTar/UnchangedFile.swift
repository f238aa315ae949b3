internal import CArchive
import Foundation
import LetheCore
#if canImport(Glibc)
import Glibc
#endif

/// The file operations that put a differential's unchanged (`from_base`) file in place, shared
/// by ``BasePlacement`` (from the base's restored tree) and ``StreamedPlacement`` (from the
/// bases' streams). Paths are bytes; none is followed through a symbolic link, none replaces an
/// entry.
enum UnchangedFile {
    /// A failed system call's error (``RestoredFile/failure(_:)``), naming what was being done.
    static func failure(_ what: String) -> TarError { RestoredFile.failure("\(what) an unchanged file from the base") }

    /// Moves `from` to `to` with one rename that never replaces an entry (or, where the kernel
    /// or file system lacks it, a hard link then an unlink).
    static func move(from: [UInt8], to: [UInt8]) throws {
        guard from.withCString({ f in to.withCString { lethe_rename_noreplace(f, $0) } }) != 0 else { return }
        guard errno == ENOSYS || errno == EINVAL else { throw failure("moving") }
        guard from.withCString({ f in to.withCString { link(f, $0) } }) == 0 else { throw failure("linking") }
        _ = from.withCString { unlink($0) }
    }

    /// Creates `path` (mode 0600, never over an entry, never through a link) for writing.
    static func create(_ path: [UInt8]) throws -> Int32 {
        let output = path.withCString { open($0, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600) }
        guard output >= 0 else { throw failure("creating") }
        return output
    }

    /// Writes all of `bytes` to `output`.
    static func write(_ bytes: UnsafeRawBufferPointer, to output: Int32) throws {
        try RestoredFile.writeAll(bytes, to: output, what: "writing an unchanged file from the base")
    }

    /// Copies `from` into a new file `to`.
    static func copy(from: [UInt8], to: [UInt8]) throws {
        let input = from.withCString { open($0, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) }
        guard input >= 0 else { throw failure("opening") }
        defer { close(input) }
        let output = try create(to)
        defer { close(output) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(input, buffer.baseAddress, buffer.count)
            if n < 0 { if errno == EINTR { continue }; throw failure("reading") }
            if n == 0 { return }
            try write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), to: output)
        }
    }

    /// Checks that the file put at `path` is a regular file of the entry's size, then gives it
    /// the entry's mode and modification time (only where they differ).
    static func finish(_ path: [UInt8], as entry: TarManifest.Entry) throws {
        var info = stat()
        guard path.withCString({ lstat($0, &info) }) == 0 else { throw failure("checking") }
        guard (UInt32(info.st_mode) & LibArchive.typeMask) == LibArchive.regular, Int64(info.st_size) == entry.size else {
            throw TarError.manifestMismatch("the base does not match: an unchanged file restored from it has another size")
        }
        if UInt32(info.st_mode) & 0o7777 != entry.mode & 0o777 {
            guard path.withCString({ chmod($0, mode_t(entry.mode & 0o777)) }) == 0 else { throw failure("setting the mode of") }
        }
        if info.st_mtim.tv_sec != entry.mtime || info.st_mtim.tv_nsec != entry.mtimeNanos {
            var times = [timespec(tv_sec: entry.mtime, tv_nsec: entry.mtimeNanos), timespec(tv_sec: entry.mtime, tv_nsec: entry.mtimeNanos)]
            guard path.withCString({ utimensat(AT_FDCWD, $0, &times, AT_SYMLINK_NOFOLLOW) }) == 0 else { throw failure("dating") }
        }
    }
}
