internal import CArchive
import Foundation
import LetheCore
#if canImport(Glibc)
import Glibc
#endif

/// What an unpack restored.
public struct UnpackReport: Sendable, Equatable {
    /// Regular files restored.
    public var files: Int
    /// Directories restored (the staging folder itself not counted).
    public var directories: Int
    /// Symbolic links restored.
    public var symlinks: Int
    /// Bytes of regular-file content restored.
    public var bytes: Int64
    /// Tables of database rows restored (`rows/<table>.csv`); 0 for an archive of files only.
    public var tables = 0
    /// Bytes of the tables' CSV files.
    public var rowBytes: Int64 = 0
    /// Paths the archive's manifest lists as left out at backup because they could not be read
    /// (relative to the customer's folder, percent-escaped as `PathBytes.escape` does).
    public var unreadable: [String] = []
    /// The archive's complete listing, for a differential written against it (see ``UnpackBase``).
    public var listing: ArchiveListing?
}

/// Restores a Lethe stream (pax + zstd) into a staging folder, refusing anything unsafe.
///
/// The `data/` prefix is removed: `data/pages/a.md` becomes `<staging>/pages/a.md`, so after a
/// successful unpack the staging folder *is* the restored tree, ready to be promoted. The
/// manifest is checked, not written.
///
/// An archive that holds database rows restores as `<staging>/files/…` (the customer's folder),
/// `<staging>/rows/<table>.csv` (each table's pieces concatenated) and
/// `<staging>/rows/tables.json`.
public enum TarUnpacker {
    /// Unpacks `input` into `staging`.
    ///
    /// Entry rules (each a distinct `TarError`): only regular files, directories and symbolic
    /// links; no absolute path, `..`, empty path or path outside `data/`; no duplicates; no
    /// entry below a symbolic link; link targets relative and inside the tree. Modes are masked
    /// to `0o777` (no setuid, setgid or sticky bits), modification times are restored
    /// (directories' after their content), owners are not. After the last entry `input` is read
    /// until it returns 0, so the decryptor underneath checks its final tag and sees appended
    /// bytes; then the entries are compared with the manifest.
    ///
    /// On error the staging folder holds a partial tree: the caller deletes it.
    ///
    /// - Parameters:
    ///   - input: the decrypted stream.
    ///   - staging: an empty folder the caller created (mode 0700).
    /// - Throws: `TarError`, or `input`'s own error unchanged (e.g. an authentication failure).
    /// - Parameter base: for a differential, its base restored or its bases' streams (the
    ///   archive's manifest must name the base); nil for a full archive (a manifest naming a base
    ///   is then refused). With streams, ``StreamedBasesFallback`` means: start again in a fresh
    ///   folder with the bases restored.
    public static func unpack(from input: any ByteSource, into staging: URL, base: DifferentialBase? = nil) throws -> UnpackReport {
        guard let resolved = realpath(staging.path, nil) else {
            throw TarError.libarchive("the staging folder cannot be resolved (\(String(cString: strerror(errno))))")
        }
        let root = EntryFields.bytes(resolved) ?? []
        free(resolved)
        let disk = try DiskWriter()
        let reader = try SafeArchiveReader(from: input, maximumPathLength: 4000 - root.count)
        let entry = try LibArchiveEntry()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: TarPacker.blockSize, alignment: 16)
        defer { buffer.deallocate() }
        var report = UnpackReport(files: 0, directories: 0, symlinks: 0, bytes: 0)
        // Symbolic links are created last, after every file and folder: until then the fresh,
        // private staging folder holds no link at all, so nothing can be written through one,
        // and libarchive's per-component symlink walk is needed only for the links themselves.
        var links: [CheckedEntry] = []
        var rows: RowsFolderWriter?
        var filesPrefix: [UInt8] = []
        func create(_ checked: CheckedEntry) throws {
            let path = root + [PathBytes.slash] + filesPrefix + checked.relative
            guard path.count < 4000 else { throw TarError.unsafePath(kind: checked.kind, problem: .tooLong) }
            entry.set(path: path, type: checked.type,
                      mode: checked.mode & 0o777, size: checked.size,
                      mtime: checked.mtime, mtimeNanos: checked.mtimeNanos, symlink: checked.target)
            try disk.check(archive_write_header(disk.handle, entry.handle), "creating a \(checked.kind)")
        }
        report.unreadable = try reader.run { checked, readData in
            switch checked.rows {
            case .tables(let data)?:
                let writer = try RowsFolderWriter(root: root)
                try writer.writeTables(data)
                (rows, filesPrefix) = (writer, RowsFolderWriter.filesFolder)
                return
            case .piece(let table, let number)?:
                guard let rows else { return }
                try rows.startPiece(table: table, number: number)
                var written: Int64 = 0
                while true {
                    let n = try readData(buffer)
                    if n == 0 { break }
                    try rows.write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                    written += Int64(n)
                }
                guard written == checked.size else { throw TarError.libarchive("a rows file's content is shorter than its header says") }
                return
            case nil: break
            }
            if checked.type == LibArchive.symlink {
                links.append(checked)
                return
            }
            try create(checked)
            switch checked.type {
            case LibArchive.regular:
                var written: Int64 = 0
                while true {
                    let n = try readData(buffer)
                    if n == 0 { break }
                    var offset = 0
                    while offset < n {
                        let w = archive_write_data(disk.handle, buffer.baseAddress! + offset, n - offset)
                        if w <= 0 { try disk.check(LibArchive.fatal, "writing a regular file") }
                        offset += w
                    }
                    written += Int64(n)
                }
                guard written == checked.size else {
                    throw TarError.libarchive("a regular file's content is shorter than its header says")
                }
                report.files += 1
                report.bytes += written
            default: report.directories += 1
            }
            try disk.check(archive_write_finish_entry(disk.handle), "finishing a \(checked.kind)")
        }
        try rows?.closeFile()
        (report.tables, report.rowBytes) = (rows?.tables ?? 0, rows?.bytes ?? 0)
        guard let declared = reader.declared else { throw TarError.manifestMissing }
        let filesRoot = root + [PathBytes.slash] + filesPrefix
        let folders = Set(reader.kinds.filter { $0.value == LibArchive.directory }.keys)
        let placed: (files: Int, bytes: Int64)
        switch base {
        case .streamed(let bases)?:
            placed = try StreamedPlacement(root: filesRoot, manifest: declared, folders: folders, bases: bases).run()
        case .restored(let restored)?:
            placed = try BasePlacement(root: filesRoot, manifest: declared, folders: folders, base: restored).run()
        case nil:
            placed = try BasePlacement(root: filesRoot, manifest: declared, folders: folders, base: nil).run()
        }
        (report.files, report.bytes) = (report.files + placed.files, report.bytes + placed.bytes)
        report.listing = ArchiveListing(manifest: declared)
        try disk.secureSymlinks()
        for link in links {
            try create(link)
            try disk.check(archive_write_finish_entry(disk.handle), "finishing a \(link.kind)")
            report.symlinks += 1
        }
        try disk.close()
        return report
    }
}

/// An owned `archive_write_disk` handle with Lethe's extraction options.
final class DiskWriter {
    let handle: OpaquePointer

    init() throws {
        handle = try LibArchive.allocated(archive_write_disk_new(), "a disk writer")
        try check(archive_write_disk_set_options(handle, Int32(Self.flags)), "setting extraction options")
    }

    /// Files and folders: no `..`, never overwrite, modes and times restored.
    static let flags = ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_NO_OVERWRITE
        | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME

    /// From now on, refuse to follow any symbolic link on the way to an entry (the links phase).
    func secureSymlinks() throws {
        try check(archive_write_disk_set_options(handle, Int32(Self.flags | ARCHIVE_EXTRACT_SECURE_SYMLINKS)),
                  "setting extraction options")
    }

    deinit { archive_write_free(handle) }

    /// Any status but OK is an error, warnings included (a time or mode not restored).
    func check(_ status: Int32, _ what: String) throws {
        guard status == LibArchive.ok else {
            let code = archive_errno(handle)
            if code == ENOSPC || code == EDQUOT { throw TarError.noSpace }
            throw TarError.libarchive("\(what): \(LibArchive.message(handle, "status \(status)"))")
        }
    }

    /// Applies the deferred directory modes and times.
    func close() throws {
        try check(archive_write_close(handle), "setting folder modes and times")
    }
}
