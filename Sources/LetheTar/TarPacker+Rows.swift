import Foundation
import LetheCore

/// Where a pack writes a customer's database rows: the archive's `rows/` entries, before the
/// files. `rows/tables.json` first (``writeTables(_:)``), then each table's bytes
/// (``writeTable(_:_:)``) cut into pieces `rows/<table>/000001.csv`, `000002.csv`, … of at most
/// ``pieceSize`` bytes, in the order the tables are written. Memory stays at one piece whatever
/// the table's size; nothing touches the disk.
///
/// LetheTar knows nothing of databases: the caller produces the bytes (a `COPY … TO STDOUT`).
public final class RowsOutput {
    /// The largest piece, 1 MiB.
    public static let pieceSize = 1 << 20

    let walk: TarPacker.Walk
    private var pending: [UInt8] = []
    private var table: [UInt8] = []
    private var piece = 0
    private var wroteTables = false
    private var tables: Set<[UInt8]> = []

    init(walk: TarPacker.Walk) {
        self.walk = walk
        pending.reserveCapacity(Self.pieceSize)
    }

    /// Writes `rows/tables.json`, the description of the tables that follow; once, first.
    ///
    /// - Throws: `TarError.libarchive` when called twice or after a table, or the sink's error.
    public func writeTables(_ data: Data) throws {
        guard !wroteTables, tables.isEmpty else { throw TarError.libarchive("rows/tables.json is written once, before the tables") }
        wroteTables = true
        try data.withUnsafeBytes { try writeEntry(RowsLayout.prefix + RowsLayout.tablesName, $0) }
    }

    /// Writes one table's bytes, which `produce` hands over in any number of calls to the
    /// function it is given; each table once, after ``writeTables(_:)``. A table that yields no
    /// byte still gets one (empty) piece, so every table described has its file.
    ///
    /// - Parameter name: the table's name, one path component (no `/`, not `.` or `..`).
    /// - Throws: `TarError.libarchive` for a bad or repeated name, `produce`'s error unchanged
    ///   (the archive is then incomplete: the caller discards it), or the sink's error.
    public func writeTable(_ name: String, _ produce: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        let bytes = Array(name.utf8)
        guard wroteTables, RowsLayout.isTableName(bytes), tables.insert(bytes).inserted else {
            throw TarError.libarchive("a table's rows must follow rows/tables.json, once each, under a plain name")
        }
        (table, piece) = (bytes, 0)
        try produce { chunk in try self.append(chunk) }
        if piece == 0 || !pending.isEmpty { try flush() }
    }

    private func append(_ chunk: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < chunk.count {
            let take = min(Self.pieceSize - pending.count, chunk.count - offset)
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[offset..<(offset + take)]))
            offset += take
            if pending.count == Self.pieceSize { try flush() }
        }
    }

    private func flush() throws {
        piece += 1
        try pending.withUnsafeBytes { try writeEntry(RowsLayout.piecePath(table: table, number: piece), $0) }
        pending.removeAll(keepingCapacity: true)
    }

    private func writeEntry(_ path: [UInt8], _ bytes: UnsafeRawBufferPointer) throws {
        try walk.add(fullPath: path, type: LibArchive.regular, mode: 0o600, size: Int64(bytes.count), mtime: (0, 0))
        if !bytes.isEmpty { try walk.writer.writeData(bytes) }
        try walk.writer.finishEntry()
    }
}

/// The names of the archive's `rows/` entries.
enum RowsLayout {
    static let prefix = Array("rows/".utf8)
    static let tablesName = Array("tables.json".utf8)
    static let pieceSuffix = Array(".csv".utf8)

    /// A table name usable as one path component.
    static func isTableName(_ name: [UInt8]) -> Bool {
        !name.isEmpty && !name.contains(PathBytes.slash) && !name.contains(0) && !PathBytes.isDot(name) && !PathBytes.isDotDot(name)
    }

    /// `rows/<table>/<NNNNNN>.csv`.
    static func piecePath(table: [UInt8], number: Int) -> [UInt8] {
        prefix + table + [PathBytes.slash] + Array(pieceName(number).utf8)
    }

    /// `000001.csv` for 1.
    static func pieceName(_ number: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".csv"
    }

    /// The number of a piece's file name (`000001.csv` → 1), or nil if it is not one.
    static func pieceNumber(_ name: [UInt8]) -> Int? {
        guard name.count >= 10, name.suffix(4).elementsEqual(pieceSuffix) else { return nil }
        let digits = name.dropLast(4)
        guard digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let number = Int(String(decoding: digits, as: UTF8.self)), number >= 1, pieceName(number).utf8.elementsEqual(name)
        else { return nil }
        return number
    }
}

extension TarPacker {
    /// Packs a customer's database rows, then their folder (if they have one), into `output`:
    /// `rows` writes the `rows/` entries through a ``RowsOutput`` (and may end a transaction
    /// before returning), then the folder is walked as `pack(folderPath:into:skipUnreadable:progress:)`
    /// does. The manifest lists both.
    ///
    /// - Parameter folderPath: the customer's folder, or nil for a customer with rows only.
    /// - Throws: as `pack(folderPath:into:skipUnreadable:progress:)`, and `rows`'s error unchanged.
    public static func pack(
        folderPath: [UInt8]?, rows: (RowsOutput) throws -> Void, into output: any ByteSink, skipUnreadable: Bool = false,
        against base: PackBase? = nil, progress: ((Int64) -> Void)? = nil
    ) throws -> PackReport {
        try pack(root: folderPath ?? [], into: output, skipUnreadable: skipUnreadable, base: base, progress: progress) { walk in
            try rows(RowsOutput(walk: walk))
            return folderPath != nil
        }
    }
}
