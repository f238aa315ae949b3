internal import CArchive
import Foundation
import LetheCore
#if canImport(Glibc)
import Glibc
#endif

/// One entry that passed every check, as a consumer sees it.
struct CheckedEntry {
    /// The path below `data/` (or `rows/` for rows), without a trailing `/`.
    var relative: [UInt8]
    var type: UInt32
    /// The mode as stored, `& 0o7777` (consumers mask further).
    var mode: UInt32
    var size: Int64
    var mtime: Int
    var mtimeNanos: Int
    var target: [UInt8]?
    /// Set for a `rows/` entry (a regular file): the consumer reads a piece's bytes with
    /// `readData`; `rows/tables.json` comes read already.
    var rows: RowsPart? = nil
    var kind: String { LibArchive.kindName(type) }
    /// The entry's prefix in the archive.
    var prefix: [UInt8] { rows == nil ? TarPacker.dataPrefix : RowsLayout.prefix }
}

/// What a `rows/` entry is.
enum RowsPart {
    /// `rows/tables.json`, with its bytes.
    case tables(Data)
    /// `rows/<table>/<number>.csv`.
    case piece(table: [UInt8], number: Int)
}

/// Reads a Lethe stream and hands over only entries that are safe to materialise.
///
/// The rules, each with its own error: only regular files, directories and symbolic links
/// (no hard links, devices, FIFOs, sockets); no empty or absolute path, no `..`, `.` or empty
/// component; everything under `data/` except the final `lethe-manifest.json` and the rows
/// (`rows/tables.json` first, then each table's pieces `rows/<table>/<NNNNNN>.csv` numbered from
/// 000001, tables in the order tables.json lists them, all before `data/`); no duplicate
/// path; nothing through a symbolic link; symbolic link targets relative and inside the root
/// (checked as entries arrive, and again over all links at the end). After the last entry the
/// source is read to its end, then the entries are compared with the manifest.
final class SafeArchiveReader {
    let reader: LibArchiveReader
    /// The longest path, staging prefix included, a consumer may be handed (below PATH_MAX so
    /// libarchive never falls back to changing directory).
    let maximumPathLength: Int

    /// The data entries read, by path relative to `data/`.
    private(set) var kinds: [[UInt8]: UInt32] = [:]
    private var symlinks: [[UInt8]: [UInt8]] = [:]
    private var folders: Set<[UInt8]> = []
    private var extracted = TarManifest()
    /// The manifest, once read.
    private(set) var declared: TarManifest?
    private var rows = RowsOrder()
    private var sawData = false

    init(from source: any ByteSource, zstd: Bool = true, maximumPathLength: Int = 4000) throws {
        reader = try LibArchiveReader(from: source, zstd: zstd)
        self.maximumPathLength = maximumPathLength
    }

    /// Calls `body` for each checked data entry; `body` reads a regular file's content with
    /// `readData`. Returns after the manifest check passed, with the paths the manifest lists as
    /// left out at backup because they could not be read (relative to the customer's folder,
    /// escaped as `PathBytes.escape` does; empty for most archives).
    @discardableResult
    func run(_ body: (CheckedEntry, (UnsafeMutableRawBufferPointer) throws -> Int) throws -> Void) throws -> [String] {
        let readData: (UnsafeMutableRawBufferPointer) throws -> Int = { [reader] in try reader.readData(into: $0) }
        while let entry = try reader.nextHeader() {
            if declared != nil {
                throw TarError.manifestMismatch("an entry follows the manifest")
            }
            if let checked = try check(entry) {
                try body(checked, readData)
                extracted.append(path: checked.prefix + checked.relative, type: checked.type,
                                 size: checked.size, mode: checked.mode, mtime: checked.mtime,
                                 mtimeNanos: checked.mtimeNanos, target: checked.target)
            }
        }
        try reader.finish()
        guard let declared else { throw TarError.manifestMissing }
        try rows.finish()
        if declared.version != TarManifest.currentVersion, declared.version != (rows.tables == nil ? 1 : TarManifest.rowsVersion) {
            throw TarError.manifestMismatch("the manifest's version does not match the archive's rows")
        }
        for (path, target) in symlinks {
            let folder = Array(PathBytes.components(path).dropLast())
            guard PathBytes.staysInside(linkFolder: folder, target: target, lookup: lookup) else {
                throw TarError.symlinkEscapes
            }
        }
        try declared.check(extracted: extracted)
        return declared.unreadablePaths
    }

    private func lookup(_ position: [[UInt8]]) -> [UInt8]? { symlinks[PathBytes.join(position)] }

    /// Checks one header; nil for the manifest (read and kept here).
    private func check(_ entry: OpaquePointer) throws -> CheckedEntry? {
        let type = EntryFields.type(entry)
        if EntryFields.hardlink(entry) != nil {
            throw TarError.unsupportedEntry(kind: LibArchive.kindName(type, hardlink: true))
        }
        let kind = LibArchive.kindName(type)
        guard type == LibArchive.regular || type == LibArchive.directory || type == LibArchive.symlink else {
            throw TarError.unsupportedEntry(kind: kind)
        }
        var path = EntryFields.path(entry)
        if type == LibArchive.directory, path.count > 1, path.last == PathBytes.slash { path.removeLast() }
        guard !path.isEmpty else { throw TarError.unsafePath(kind: kind, problem: .empty) }
        guard path.first != PathBytes.slash else { throw TarError.unsafePath(kind: kind, problem: .absolute) }
        let components = PathBytes.components(path)
        if components.contains(where: PathBytes.isDotDot) {
            throw TarError.unsafePath(kind: kind, problem: .dotDot)
        }
        if components.contains(where: { $0.isEmpty || PathBytes.isDot($0) }) {
            throw TarError.unsafePath(kind: kind, problem: .irregular)
        }
        if path == TarManifest.entryName && type == LibArchive.regular {
            try readManifest(size: EntryFields.size(entry))
            return nil
        }
        if components[0] == Array("rows".utf8) {
            guard type == LibArchive.regular, !sawData else { throw TarError.unsafePath(kind: kind, problem: .rowsEntry) }
            return try checkRows(entry, path: path, components: components)
        }
        guard components.count >= 2, components[0] == Array("data".utf8) else {
            throw TarError.unsafePath(kind: kind, problem: .outsideData)
        }
        sawData = true
        let relative = Array(path.dropFirst(TarPacker.dataPrefix.count))
        guard relative.count < maximumPathLength else {
            throw TarError.unsafePath(kind: kind, problem: .tooLong)
        }
        let inner = Array(components.dropFirst())
        if kinds[relative] != nil || (type != LibArchive.directory && folders.contains(relative)) {
            throw TarError.duplicatePath(kind: kind)
        }
        for depth in 1..<inner.count {
            let ancestor = PathBytes.join(Array(inner[0..<depth]))
            switch kinds[ancestor] {
            case LibArchive.symlink?: throw TarError.writesThroughSymlink(kind: kind)
            case LibArchive.regular?: throw TarError.duplicatePath(kind: kind)
            default: folders.insert(ancestor)
            }
        }
        var target: [UInt8]?
        if type == LibArchive.symlink {
            guard let link = EntryFields.symlink(entry), !link.isEmpty, link.first != PathBytes.slash,
                  PathBytes.staysInside(linkFolder: Array(inner.dropLast()), target: link, lookup: lookup)
            else { throw TarError.symlinkEscapes }
            target = link
            symlinks[relative] = link
        }
        kinds[relative] = type
        let (mtime, nanos) = EntryFields.mtime(entry)
        let size = type == LibArchive.regular ? EntryFields.size(entry) : 0
        guard size >= 0 else { throw TarError.libarchive("an entry has a negative size") }
        return CheckedEntry(relative: relative, type: type, mode: EntryFields.mode(entry), size: size,
                            mtime: mtime, mtimeNanos: nanos, target: target)
    }

    /// Checks a `rows/` entry against the order the rows must come in.
    private func checkRows(_ entry: OpaquePointer, path: [UInt8], components: [[UInt8]]) throws -> CheckedEntry {
        let size = EntryFields.size(entry)
        let (mtime, nanos) = EntryFields.mtime(entry)
        let relative = Array(path.dropFirst(RowsLayout.prefix.count))
        func checked(_ part: RowsPart) -> CheckedEntry {
            CheckedEntry(relative: relative, type: LibArchive.regular, mode: EntryFields.mode(entry), size: size,
                         mtime: mtime, mtimeNanos: nanos, target: nil, rows: part)
        }
        if components.count == 2, components[1] == RowsLayout.tablesName, rows.tables == nil {
            guard size > 0, size <= RowsOrder.maximumTablesSize else { throw TarError.manifestMismatch("rows/tables.json has an impossible size") }
            let data = try readWhole(size: size, what: "rows/tables.json")
            try rows.start(data)
            return checked(.tables(data))
        }
        guard components.count == 3, let number = RowsLayout.pieceNumber(components[2]), rows.accept(table: components[1], number: number),
              size >= 0, size <= RowsOutput.pieceSize
        else { throw TarError.unsafePath(kind: LibArchive.kindName(LibArchive.regular), problem: .rowsEntry) }
        return checked(.piece(table: components[1], number: number))
    }

    private func readManifest(size: Int64) throws {
        guard size > 0, size <= TarManifest.maximumSize else {
            throw TarError.manifestMismatch("the manifest has an impossible size")
        }
        declared = try TarManifest.decode(readWhole(size: size, what: "the manifest"))
    }

    /// The current entry's content, `size` bytes.
    private func readWhole(size: Int64, what: String) throws -> Data {
        var data = Data(count: Int(size))
        var filled = 0
        try data.withUnsafeMutableBytes { buffer in
            while filled < buffer.count {
                let n = try reader.readData(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
                if n == 0 { break }
                filled += n
            }
        }
        guard filled == Int(size) else { throw TarError.manifestMismatch("\(what) is truncated") }
        return data
    }
}

/// The order of an archive's rows: tables.json, then each table it lists, in its order, with
/// pieces numbered from 1.
struct RowsOrder {
    /// The largest tables.json accepted.
    static let maximumTablesSize: Int64 = 16 << 20

    /// The table names tables.json lists, once it has been read.
    private(set) var tables: [[UInt8]]?
    private var current = -1
    private var lastPiece = 0

    /// The names in tables.json (`{"tables": [{"name": …}, …]}`).
    private struct Names: Decodable {
        struct Table: Decodable { var name: String }
        var tables: [Table]
    }

    mutating func start(_ data: Data) throws {
        guard let names = try? JSONDecoder().decode(Names.self, from: data) else {
            throw TarError.manifestMismatch("rows/tables.json is not a description of tables")
        }
        let list = names.tables.map { Array($0.name.utf8) }
        guard list.allSatisfy(RowsLayout.isTableName), Set(list).count == list.count else {
            throw TarError.manifestMismatch("rows/tables.json names a table twice or under an unusable name")
        }
        tables = list
    }

    /// True when piece `number` of `table` is the next one expected.
    mutating func accept(table: [UInt8], number: Int) -> Bool {
        guard let tables else { return false }
        if current >= 0, tables[current] == table, number == lastPiece + 1 {
            lastPiece = number
            return true
        }
        guard current + 1 < tables.count, tables[current + 1] == table, number == 1 else { return false }
        (current, lastPiece) = (current + 1, 1)
        return true
    }

    /// Every table listed had its pieces.
    func finish() throws {
        guard let tables, current != tables.count - 1 else { return }
        throw TarError.manifestMismatch("a table listed in rows/tables.json has no rows file")
    }
}
