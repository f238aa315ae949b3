import Foundation
import LetheCore
#if canImport(Glibc)
import Glibc
#endif

/// The database rows of an unpack: `<staging>/rows/tables.json` and one
/// `<staging>/rows/<table>.csv` per table, its pieces appended in order. Files are created
/// exclusively (never through a link) in a `rows` folder this writer makes (mode 0700).
final class RowsFolderWriter {
    /// The folder the customer's files go to below the staging folder when the archive holds rows.
    static let filesFolder = Array("files/".utf8)

    private let folder: [UInt8]
    private var fd: Int32 = -1
    /// Tables written.
    private(set) var tables = 0
    /// Bytes of rows written (the CSV files).
    private(set) var bytes: Int64 = 0

    /// Makes `<root>/rows`.
    init(root: [UInt8]) throws {
        folder = root + Array("/rows".utf8)
        guard folder.withCString({ mkdir($0, 0o700) }) == 0 else { throw RestoredFile.failure("creating the rows folder") }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Writes `rows/tables.json`.
    func writeTables(_ data: Data) throws {
        try open(RowsLayout.tablesName)
        try data.withUnsafeBytes { try write($0) }
        try closeFile()
    }

    /// Starts the next piece of `table`: piece 1 creates `<table>.csv`.
    func startPiece(table: [UInt8], number: Int) throws {
        guard number == 1 else { return }
        try closeFile()
        try open(table + RowsLayout.pieceSuffix)
        tables += 1
    }

    /// Appends bytes of the current piece.
    func write(_ buffer: UnsafeRawBufferPointer) throws {
        try RestoredFile.writeAll(buffer, to: fd, what: "writing a table's rows")
        if buffer.baseAddress != nil { bytes += Int64(buffer.count) }
    }

    /// Closes the file being written.
    func closeFile() throws {
        guard fd >= 0 else { return }
        defer { fd = -1 }
        guard close(fd) == 0 else { throw RestoredFile.failure("closing a table's rows") }
    }

    private func open(_ name: [UInt8]) throws {
        let path = folder + [PathBytes.slash] + name
        fd = path.withCString { Glibc.open($0, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600) }
        guard fd >= 0 else { throw RestoredFile.failure("creating a table's rows file") }
    }
}
