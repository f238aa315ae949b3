internal import CArchive
import Foundation
import LetheCore

/// Turns a Lethe stream into a standard archive for a data-portability request.
public enum TarExporter {
    /// Reads the Lethe stream from `input` and writes `format` into `output`.
    ///
    /// Paths lose their `data/` prefix and the manifest is not copied; database rows are
    /// `rows/tables.json` and `rows/<table>.csv` (or the pieces as stored, see `rowSizes`) and
    /// the files then go under `files/`, as in a restore. The same rules as
    /// `TarUnpacker.unpack` apply (hostile entries are refused), `input` is read to its end and
    /// the manifest is checked before the output archive is finished; on error the output is
    /// incomplete and the caller discards it. Modes are masked to `0o777`; owners are not kept.
    ///
    /// - Returns: the paths the archive's manifest lists as left out at backup because they could
    ///   not be read (as `UnpackReport.unreadable`).
    /// - Throws: `TarError`, or the source's or sink's own error unchanged.
    ///
    /// - Parameter rowSizes: each table's size (``TarRowsReader/tableSizes(from:)`` of the same
    ///   archive): the rows are then written as `rows/tables.json` and one `rows/<table>.csv` per
    ///   table, its pieces concatenated; without it, the pieces are copied as stored.
    @discardableResult
    public static func export(from input: any ByteSource, to output: any ByteSink, format: ExportFormat,
                              rowSizes: RowsSizes? = nil) throws -> [String] {
        let writer = try LibArchiveWriter(into: output, names: format.isTar ? .bytes : .utf8) { archive in
            try configure(archive, for: format)
        }
        let reader = try SafeArchiveReader(from: input)
        let entry = try LibArchiveEntry()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: TarPacker.blockSize, alignment: 16)
        defer { buffer.deallocate() }
        var filesPrefix: [UInt8] = []
        // The table being written as one entry: the bytes still expected.
        var tableLeft: Int64?
        func endTable() throws {
            guard let left = tableLeft else { return }
            tableLeft = nil
            guard left == 0 else { throw TarError.manifestMismatch("a table's rows differ in size between the archive's two readings") }
            try writer.finishEntry()
        }
        let unreadable = try reader.run { checked, readData in
            // The files go under files/ beside the rows, as in a restore.
            if checked.rows != nil { filesPrefix = RowsFolderWriter.filesFolder }
            if let rowSizes, case .piece(let table, let number)? = checked.rows {
                if number == 1 {
                    try endTable()
                    guard let size = rowSizes.size(of: table) else {
                        throw TarError.manifestMismatch("a table's rows differ in size between the archive's two readings")
                    }
                    entry.set(path: RowsLayout.prefix + table + RowsLayout.pieceSuffix, type: LibArchive.regular, mode: 0o600,
                              size: size, mtime: checked.mtime, mtimeNanos: checked.mtimeNanos)
                    try writer.writeHeader(entry)
                    tableLeft = size
                }
                while true {
                    let n = try readData(buffer)
                    if n == 0 { break }
                    guard let left = tableLeft, Int64(n) <= left else {
                        throw TarError.manifestMismatch("a table's rows differ in size between the archive's two readings")
                    }
                    tableLeft = left - Int64(n)
                    try writer.writeData(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                }
                return
            }
            try endTable()
            var path = checked.rows == nil ? filesPrefix + checked.relative : RowsLayout.prefix + checked.relative
            var target = checked.target
            if !format.isTar {
                path = PathBytes.repairingUTF8(path)
                target = target.map(PathBytes.repairingUTF8)
            }
            entry.set(path: path, type: checked.type, mode: checked.mode & 0o777,
                      size: checked.size, mtime: checked.mtime, mtimeNanos: checked.mtimeNanos,
                      symlink: target)
            try writer.writeHeader(entry)
            if case .tables(let data)? = checked.rows {
                try data.withUnsafeBytes { try writer.writeData($0) }
            } else if checked.type == LibArchive.regular {
                while true {
                    let n = try readData(buffer)
                    if n == 0 { break }
                    try writer.writeData(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                }
            }
            try writer.finishEntry()
        }
        try endTable()
        try writer.close()
        return unreadable
    }

    /// Selects `format` on a writer: restricted pax with names as bytes, then gzip or zstd
    /// (libarchive's default levels) for the compressed tars; or zip. A compressed tar ends with
    /// its compressor's last frame: libarchive's padding of the last 10240-byte block would
    /// follow it as zero bytes, which `zstd -d` refuses ("unsupported format").
    private static func configure(_ archive: OpaquePointer, for format: ExportFormat) throws {
        guard format.isTar else {
            return try LibArchive.check(archive_write_set_format_zip(archive), archive, "selecting the zip format")
        }
        try LibArchive.check(archive_write_set_format_pax_restricted(archive), archive, "selecting the pax format")
        try TarPacker.storeNamesAsBytes(archive)
        switch format {
        case .tarGzip: try LibArchive.check(archive_write_add_filter_gzip(archive), archive, "adding the gzip filter")
        case .tarZstd: try LibArchive.check(archive_write_add_filter_zstd(archive), archive, "adding the zstd filter")
        case .tar, .zip: return
        }
        try LibArchive.check(archive_write_set_bytes_in_last_block(archive, 1), archive, "ending the stream with the last frame")
    }
}
