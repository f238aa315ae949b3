import Foundation
import LetheCore

/// What a streaming reader of an archive's rows is handed, in the archive's order:
/// `rows/tables.json` once, then for each table its name, its bytes (the pieces, in order, in
/// chunks of any size) and its end. Nothing handed over is verified until
/// ``TarRowsReader/read(from:into:)`` returns: a loader commits only then.
public protocol RowsInput: AnyObject {
    /// `rows/tables.json`'s bytes.
    func tables(_ description: Data) throws
    /// The next table starts (a name tables.json lists, in its order).
    func startTable(_ name: String) throws
    /// More of the current table's bytes.
    func rows(_ bytes: UnsafeRawBufferPointer) throws
    /// The current table is complete.
    func endTable() throws
}

/// Reads the rows of a Lethe stream table by table, for a loader (`restore --into-database`).
public enum TarRowsReader {
    /// Streams `input`'s rows into `rows`, with the checks of a restore (the `rows/` order, the
    /// manifest, the stream read to its end); the files are read and not kept.
    ///
    /// - Returns: false for an archive without rows (nothing was handed over).
    /// - Throws: `TarError`, `input`'s error, or `rows`'s error unchanged.
    @discardableResult
    public static func read(from input: any ByteSource, into rows: any RowsInput) throws -> Bool {
        let reader = try SafeArchiveReader(from: input)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: TarPacker.blockSize, alignment: 16)
        defer { buffer.deallocate() }
        var sawRows = false, inTable = false
        try reader.run { checked, readData in
            switch checked.rows {
            case .tables(let data)?:
                sawRows = true
                try rows.tables(data)
            case .piece(let table, let number)?:
                if number == 1 {
                    if inTable { try rows.endTable() }
                    try rows.startTable(String(decoding: table, as: UTF8.self))
                    inTable = true
                }
                while true {
                    let n = try readData(buffer)
                    if n == 0 { break }
                    try rows.rows(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                }
            case nil: break
            }
        }
        if inTable { try rows.endTable() }
        return sawRows
    }

    /// Each table's size in bytes (its pieces added up), read from the pieces' headers at the
    /// start of the stream, which is not checked (the export that uses the sizes reads the
    /// archive again with every check and compares them); nil for an archive without rows.
    ///
    /// - Throws: `TarError`, or `input`'s error.
    public static func tableSizes(from input: any ByteSource) throws -> RowsSizes? {
        let reader = try LibArchiveReader(from: input, zstd: true)
        guard let first = try reader.nextHeader(), EntryFields.path(first) == RowsLayout.prefix + RowsLayout.tablesName else { return nil }
        var sizes = RowsSizes()
        while let entry = try reader.nextHeader() {
            let components = PathBytes.components(EntryFields.path(entry))
            guard components.count == 3, components[0] == Array("rows".utf8) else { break }
            sizes.add(table: components[1], bytes: EntryFields.size(entry))
        }
        return sizes
    }
}

/// The size of each table's rows in an archive (``TarRowsReader/tableSizes(from:)``), so an
/// export can write each table as one entry, whose header holds its size.
public struct RowsSizes: Sendable, Equatable {
    private(set) var bytes: [[UInt8]: Int64] = [:]

    mutating func add(table: [UInt8], bytes count: Int64) { bytes[table, default: 0] += count }

    /// The size of `table`, if the archive had pieces of it.
    func size(of table: [UInt8]) -> Int64? { bytes[table] }
}
