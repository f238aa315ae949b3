internal import CArchive
import Foundation
import LetheCore
#if canImport(Glibc)
import Glibc
#endif

/// What a pack wrote and what it left out.
public struct PackReport: Sendable, Equatable {
    /// Data entries written (files, directories, symbolic links), not counting the manifest.
    public var entries: Int
    /// Bytes of regular-file content written.
    public var bytes: Int64
    /// One line per kind of skipped entry: the count in words, why, and how to include them;
    /// no file names, so the lines can go to logs.
    public var warnings: [String]
    /// The skipped entries' paths relative to the packed folder, as bytes, for a caller that
    /// chooses to show them.
    public var skippedPaths: [[UInt8]]
    /// The paths among `skippedPaths` that could not be read (packed with `skipUnreadable`),
    /// which the archive's manifest lists too.
    public var unreadablePaths: [[UInt8]]
    /// Every regular file of the folder as the file system identifies it (one per device and
    /// inode): the archive's names-free base index, to record if it can be a base.
    public var index: [BaseIndexEntry] = []
    /// How many files a differential took from its base (0 for a full archive).
    public var fromBase = 0
}

/// Packs a customer folder into a pax + zstd (level 3) stream.
///
/// Every entry goes under `data/`; a final `lethe-manifest.json` entry lists them all. The
/// walk is sorted by name bytes, so the same tree gives the same entries in the same order.
/// Regular files are streamed in fixed blocks; nothing is written to disk.
public enum TarPacker {
    /// Size of the read buffer for regular files.
    static let blockSize = 256 * 1024
    static let dataPrefix = Array("data/".utf8)

    /// Configures a writer for Lethe's stream: pax with names as bytes, no block padding. The
    /// zstd compression (level 3) is the writer's (`LibArchiveWriter.init(zstdInto:configure:)`).
    static func configureStream(_ archive: OpaquePointer) throws {
        try LibArchive.check(archive_write_set_format_pax(archive), archive, "selecting the pax format")
        try storeNamesAsBytes(archive)
        try LibArchive.check(archive_write_set_bytes_per_block(archive, 0), archive, "disabling block padding")
    }

    /// Sets the pax option `hdrcharset=BINARY` on a pax writer: every name and link target is
    /// written exactly as given (no conversion from the locale, no NFC), and marked binary so
    /// readers do not convert it either (see `NameLocale`).
    static func storeNamesAsBytes(_ archive: OpaquePointer) throws {
        try LibArchive.check(archive_write_set_format_option(archive, "pax", "hdrcharset", "BINARY"), archive,
                             "setting the pax option hdrcharset=BINARY")
    }

    /// Packs `folder` into `output`.
    ///
    /// Regular files, directories (empty ones too) and symbolic links whose relative target
    /// stays inside the folder are packed with their mode and modification time (nanoseconds).
    /// Hard links are stored as separate regular files. Devices, FIFOs, sockets and symbolic
    /// links that are absolute or lead outside the folder are skipped and reported.
    ///
    /// - Parameters:
    ///   - folder: the customer's folder (followed if it is itself a symbolic link).
    ///   - output: where the compressed stream goes (normally an encryptor).
    ///   - skipUnreadable: leave out a file or folder inside `folder` that cannot be looked at or
    ///     opened, instead of failing, and list it in the manifest (`unreadable`). A file whose
    ///     read fails after its header was written still fails the pack, as does `folder` itself.
    ///   - base: for a differential, the base's id and names-free index: a regular file whose
    ///     device, inode, size, modification and change times all equal its entry is listed in
    ///     the manifest as `from_base`, with no tar entry; nil packs everything.
    ///   - progress: called with the running total of file bytes packed.
    /// - Returns: counts, what was skipped, and the folder's index.
    /// - Throws: `TarError.unreadable` when a file or folder cannot be read (the caller should
    ///   fail that customer), `TarError.fileChanged`, `TarError.libarchive`, or the sink's own
    ///   error unchanged.
    public static func pack(
        folder: URL, into output: any ByteSink, skipUnreadable: Bool = false, against base: PackBase? = nil,
        progress: ((Int64) -> Void)? = nil
    ) throws -> PackReport {
        try pack(folderPath: Array(folder.path.utf8), into: output, skipUnreadable: skipUnreadable, against: base, progress: progress)
    }

    /// Packs the folder at `folderPath`, a path given as bytes (a customer folder whose name is
    /// not UTF-8 has no faithful `URL` or `String`); otherwise as `pack(folder:into:skipUnreadable:progress:)`.
    public static func pack(
        folderPath root: [UInt8], into output: any ByteSink, skipUnreadable: Bool = false, against base: PackBase? = nil,
        progress: ((Int64) -> Void)? = nil
    ) throws -> PackReport {
        try pack(root: root, into: output, skipUnreadable: skipUnreadable, base: base, progress: progress) { _ in true }
    }

    /// Opens the stream, lets `before` write its entries (rows) and say whether a folder
    /// follows, walks `root` if so, then writes the manifest.
    static func pack(root: [UInt8], into output: any ByteSink, skipUnreadable: Bool, base: PackBase? = nil,
                     progress: ((Int64) -> Void)?, before: (Walk) throws -> Bool) throws -> PackReport {
        let writer = try LibArchiveWriter(zstdInto: output, configure: configureStream)
        let packer = try Walk(root: root, writer: writer, skipUnreadable: skipUnreadable, progress: progress)
        packer.base = base
        packer.manifest.base = base?.archive
        if try before(packer) {
            // O_DIRECTORY refuses anything that is not a folder (ENOTDIR); a link to one is followed.
            let rootFD = root.withCString { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
            guard rootFD >= 0 else {
                throw TarError.unreadable("the folder itself (\(String(cString: strerror(errno))))", path: [])
            }
            defer { close(rootFD) }
            try packer.walk(folder: [], fd: rootFD)
        }
        try packer.writeManifest()
        try writer.close()
        return packer.report()
    }

    /// The state of one pack.
    final class Walk {
        let root: [UInt8]
        let writer: LibArchiveWriter
        let progress: ((Int64) -> Void)?
        let skipUnreadable: Bool
        let entry: LibArchiveEntry
        let buffer: UnsafeMutableRawBufferPointer
        var manifest = TarManifest()
        var skipped: [PackSkip: Int] = [:]
        var skippedPaths: [[UInt8]] = []
        var unreadablePaths: [[UInt8]] = []
        /// The base of a differential (nil: a full archive).
        var base: PackBase?
        /// The regular files seen, by device and inode (see ``PackReport/index``).
        var index: [BaseIndexKey: BaseIndexEntry] = [:]
        var fromBase = 0

        init(root: [UInt8], writer: LibArchiveWriter, skipUnreadable: Bool, progress: ((Int64) -> Void)?) throws {
            var root = root
            while root.count > 1, root.last == PathBytes.slash { root.removeLast() }
            self.root = root
            self.writer = writer
            self.skipUnreadable = skipUnreadable
            self.progress = progress
            self.entry = try LibArchiveEntry()
            self.buffer = .allocate(byteCount: TarPacker.blockSize, alignment: 16)
        }

        deinit { buffer.deallocate() }

        func absolute(_ relative: [UInt8]) -> [UInt8] {
            relative.isEmpty ? root : root + [PathBytes.slash] + relative
        }

        func skip(_ reason: PackSkip, _ relative: [UInt8]) {
            skipped[reason, default: 0] += 1
            skippedPaths.append(relative)
        }

        /// An entry that cannot be read: skipped and listed in the manifest when packing with
        /// `skipUnreadable`, else `TarError.unreadable` (`what` names its kind and the reason).
        func unreadable(_ what: String, _ relative: [UInt8]) throws {
            guard skipUnreadable else { throw TarError.unreadable(what, path: relative) }
            skip(.unreadable, relative)
            unreadablePaths.append(relative)
            manifest.appendUnreadable(path: TarPacker.dataPrefix + relative)
        }

        func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

        /// Sorted names in the open folder `fd` (read through a duplicate, so `fd` stays open).
        func names(in fd: Int32, relative: [UInt8]) throws -> [[UInt8]] {
            let copy = dup(fd)
            guard copy >= 0, let directory = fdopendir(copy) else {
                if copy >= 0 { close(copy) }
                throw TarError.unreadable("a folder (\(errnoText()))", path: relative)
            }
            defer { closedir(directory) }
            var names: [[UInt8]] = []
            while true {
                errno = 0
                guard let item = readdir(directory) else {
                    if errno != 0 { throw TarError.unreadable("a folder (\(errnoText()))", path: relative) }
                    break
                }
                let name = withUnsafePointer(to: item.pointee.d_name) { pointer in
                    pointer.withMemoryRebound(to: CChar.self, capacity: 256) { EntryFields.bytes($0) ?? [] }
                }
                if name == [PathBytes.dot] || name == [PathBytes.dot, PathBytes.dot] { continue }
                names.append(name)
            }
            return names.sorted { $0.lexicographicallyPrecedes($1) }
        }

        /// Packs the folder open as `fd` (at `relative`). Every child is looked up and opened
        /// relative to its folder's descriptor, never by a path from the root, so a folder
        /// swapped for a symbolic link during the walk cannot lead it outside the customer's
        /// folder, and the kernel resolves one name per call instead of the whole path.
        func walk(folder relative: [UInt8], fd: Int32) throws {
            for name in try names(in: fd, relative: relative) {
                let child = relative.isEmpty ? name : relative + [PathBytes.slash] + name
                var info = stat()
                guard name.withCString({ fstatat(fd, $0, &info, AT_SYMLINK_NOFOLLOW) }) == 0 else {
                    try unreadable("an entry's metadata (\(errnoText()))", child)
                    continue
                }
                let type = UInt32(info.st_mode) & LibArchive.typeMask
                let mode = UInt32(info.st_mode) & 0o7777
                let mtime = (Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec))
                switch type {
                case LibArchive.directory:
                    let childFD = name.withCString { openat(fd, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
                    guard childFD >= 0 else {
                        // Replaced by a link or something else since it was looked at.
                        if errno == ELOOP || errno == ENOTDIR { throw TarError.fileChanged(path: child) }
                        try unreadable("a folder (\(errnoText()))", child)
                        continue
                    }
                    defer { close(childFD) }
                    try add(child, type: type, mode: mode, size: 0, mtime: mtime)
                    try walk(folder: child, fd: childFD)
                case LibArchive.regular:
                    try packFile(name, in: fd, relative: child, mode: mode, mtime: mtime)
                case LibArchive.symlink:
                    try packSymlink(name, in: fd, relative: child, mode: mode, mtime: mtime)
                default:
                    skip(.kind(LibArchive.kindName(type)), child)
                }
            }
        }

        func add(_ relative: [UInt8], type: UInt32, mode: UInt32, size: Int64,
                          mtime: (Int, Int), target: [UInt8]? = nil) throws {
            try add(fullPath: TarPacker.dataPrefix + relative, type: type, mode: mode, size: size, mtime: mtime, target: target)
        }

        /// Writes an entry's header at `path` (its prefix included) and lists it in the manifest.
        func add(fullPath path: [UInt8], type: UInt32, mode: UInt32, size: Int64, mtime: (Int, Int), target: [UInt8]? = nil,
                 identity: (device: UInt64, inode: UInt64)? = nil) throws {
            entry.set(path: path, type: type, mode: mode, size: size,
                      mtime: mtime.0, mtimeNanos: mtime.1, symlink: target)
            try writer.writeHeader(entry)
            manifest.append(path: path, type: type, size: size, mode: mode,
                            mtime: mtime.0, mtimeNanos: mtime.1, target: target, identity: identity)
        }

        func packFile(_ name: [UInt8], in folder: Int32, relative: [UInt8], mode: UInt32, mtime: (Int, Int)) throws {
            let fd = name.withCString { openat(folder, $0, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) }
            guard fd >= 0 else {
                if errno == ELOOP { throw TarError.fileChanged(path: relative) }
                return try unreadable("a regular file (\(errnoText()))", relative)
            }
            defer { close(fd) }
            var info = stat()
            guard fstat(fd, &info) == 0 else {
                return try unreadable("a regular file (\(errnoText()))", relative)
            }
            guard (UInt32(info.st_mode) & LibArchive.typeMask) == LibArchive.regular else {
                // Replaced by something else since the walk listed it.
                throw TarError.fileChanged(path: relative)
            }
            let size = Int64(info.st_size)
            if try takeFromBase(relative, info) { return }
            try add(fullPath: TarPacker.dataPrefix + relative, type: LibArchive.regular, mode: UInt32(info.st_mode) & 0o7777,
                    size: size, mtime: (Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec)),
                    identity: (UInt64(info.st_dev), UInt64(info.st_ino)))
            var remaining = size
            while remaining > 0 {
                let want = Int(min(Int64(buffer.count), remaining))
                let n = read(fd, buffer.baseAddress, want)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw TarError.unreadable("a regular file (\(errnoText()))", path: relative)
                }
                if n == 0 { throw TarError.fileChanged(path: relative) }
                try writer.writeData(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                remaining -= Int64(n)
                manifestProgress(n)
            }
            try writer.finishEntry()
        }

        private var packedBytes: Int64 = 0
        func manifestProgress(_ n: Int) {
            packedBytes += Int64(n)
            progress?(packedBytes)
        }

        func packSymlink(_ name: [UInt8], in folder: Int32, relative: [UInt8], mode: UInt32, mtime: (Int, Int)) throws {
            guard let target = readLink(name, in: folder) else {
                return try unreadable("a symbolic link (\(errnoText()))", relative)
            }
            if target.first == PathBytes.slash || target.isEmpty {
                skip(.absoluteLink, relative)
                return
            }
            let linkFolder = Array(PathBytes.components(relative).dropLast())
            // Only link targets are read here (no file content), so paths from the root will do.
            let inside = PathBytes.staysInside(linkFolder: linkFolder, target: target) { position in
                let path = absolute(PathBytes.join(position))
                var info = stat()
                guard path.withCString({ lstat($0, &info) }) == 0,
                      (UInt32(info.st_mode) & LibArchive.typeMask) == LibArchive.symlink else { return nil }
                return readLink(path, in: AT_FDCWD) ?? []
            }
            guard inside else {
                skip(.escapingLink, relative)
                return
            }
            try add(relative, type: LibArchive.symlink, mode: mode, size: 0, mtime: mtime, target: target)
        }

        /// The target of the link `path` (relative to the open folder `folder`, or absolute).
        func readLink(_ path: [UInt8], in folder: Int32) -> [UInt8]? {
            var size = 4096
            while true {
                var bytes = [UInt8](repeating: 0, count: size)
                let n = path.withCString { cPath in
                    bytes.withUnsafeMutableBufferPointer { buffer in
                        buffer.withMemoryRebound(to: CChar.self) { readlinkat(folder, cPath, $0.baseAddress!, size) }
                    }
                }
                if n < 0 { return nil }
                if n < size { return Array(bytes[0..<n]) }
                size *= 4
            }
        }

        func writeManifest() throws {
            let data = manifest.encoded()
            entry.set(path: TarManifest.entryName, type: LibArchive.regular, mode: 0o600,
                      size: Int64(data.count), mtime: 0, mtimeNanos: 0)
            try writer.writeHeader(entry)
            try data.withUnsafeBytes { try writer.writeData($0) }
            try writer.finishEntry()
        }

        func report() -> PackReport {
            let warnings = skipped.map { reason, count in reason.warning(count: count) }.sorted()
            return PackReport(entries: manifest.entries.count, bytes: manifest.bytes,
                              warnings: warnings, skippedPaths: skippedPaths, unreadablePaths: unreadablePaths,
                              index: Array(index.values), fromBase: fromBase)
        }
    }
}
