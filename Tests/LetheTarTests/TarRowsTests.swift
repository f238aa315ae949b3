import Foundation
import LetheCore
import LetheTestSupport
import Testing
@testable import LetheTar

/// Archives with database rows (`rows/tables.json`, `rows/<table>/<NNNNNN>.csv`): packed before
/// the files, restored as `files/…` + `rows/<table>.csv`, and refused when anything under
/// `rows/` is not tables.json or the next piece of the next table.
@Suite struct TarRowsTests {
    typealias Entry = TarStreamBuilder.Entry
    static let tables = Entry("rows/tables.json", .file(Array(#"{"version":1,"tables":[{"name":"tenants"},{"name":"pages"}]}"#.utf8)), mode: 0o600)
    static func piece(_ table: String, _ number: String, _ text: String = "id\n1\n") -> Entry {
        Entry("rows/\(table)/\(number).csv", .file(Array(text.utf8)), mode: 0o600)
    }
    static let file = Entry("data/a", .file(Array("hello".utf8)))

    /// Builds an archive of `entries` with a manifest describing them (or `manifest`).
    static func archive(_ entries: [Entry], manifest: [Entry]? = nil, version: Int? = nil) throws -> [UInt8] {
        let sink = BufferSink()
        let builder = try TarStreamBuilder(into: sink)
        try builder.add(entries)
        try builder.addManifest(describing: manifest ?? entries)
        try builder.finish()
        return sink.bytes
    }

    @Test func packedRowsRestoreAsOneCSVPerTableBesideTheFiles() throws {
        let temp = TempFolder()
        let folder = temp.folder("customer")
        Tree.file(Array(folder.path.utf8), "a.txt", Array("file".utf8), mode: 0o644)
        let big = [UInt8]((0..<(RowsOutput.pieceSize + 10)).map { UInt8(truncatingIfNeeded: $0 % 251) })
        let sink = BufferSink()
        let report = try TarPacker.pack(folderPath: Array(folder.path.utf8), rows: { output in
            try output.writeTables(Data(#"{"tables":[{"name":"tenants"},{"name":"pages"}],"version":1}"#.utf8))
            try output.writeTable("tenants") { push in
                try big.withUnsafeBytes { buffer in
                    try push(UnsafeRawBufferPointer(rebasing: buffer[0..<7]))
                    try push(UnsafeRawBufferPointer(rebasing: buffer[7...]))
                }
            }
            try output.writeTable("pages") { _ in }
        }, into: sink)
        #expect(report.entries == 5)  // tables.json, 2 + 1 pieces, data/a.txt
        let staging = temp.folder("staging")
        let unpacked = try TarUnpacker.unpack(from: BufferSource(sink.bytes), into: staging)
        #expect(unpacked.files == 1 && unpacked.tables == 2)
        #expect(try Array(Data(contentsOf: staging.appendingPathComponent("files/a.txt"))) == Array("file".utf8))
        #expect(try Array(Data(contentsOf: staging.appendingPathComponent("rows/tenants.csv"))) == big)
        #expect(try Data(contentsOf: staging.appendingPathComponent("rows/pages.csv")).isEmpty)
        #expect(FileManager.default.fileExists(atPath: staging.appendingPathComponent("rows/tables.json").path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: staging.path).sorted() == ["files", "rows"])
    }

    @Test func rowsWithoutAFolderRestoreWithoutFiles() throws {
        let temp = TempFolder()
        let sink = BufferSink()
        _ = try TarPacker.pack(folderPath: nil, rows: { output in
            try output.writeTables(Data(#"{"tables":[{"name":"t"}]}"#.utf8))
            try output.writeTable("t") { push in try Array("id\n".utf8).withUnsafeBytes { try push($0) } }
        }, into: sink)
        let staging = temp.folder("staging")
        _ = try TarUnpacker.unpack(from: BufferSource(sink.bytes), into: staging)
        #expect(try FileManager.default.contentsOfDirectory(atPath: staging.path) == ["rows"])
        #expect(try String(contentsOf: staging.appendingPathComponent("rows/t.csv"), encoding: .utf8) == "id\n")
    }

    @Test func anArchiveBuiltEntryByEntryRestores() throws {
        let temp = TempFolder()
        let bytes = try Self.archive([Self.tables, Self.piece("tenants", "000001"), Self.piece("tenants", "000002", "2\n"),
                                      Self.piece("pages", "000001"), Self.file])
        let staging = temp.folder("staging")
        _ = try TarUnpacker.unpack(from: BufferSource(bytes), into: staging)
        #expect(try String(contentsOf: staging.appendingPathComponent("rows/tenants.csv"), encoding: .utf8) == "id\n1\n2\n")
        #expect(try String(contentsOf: staging.appendingPathComponent("files/a"), encoding: .utf8) == "hello")
    }

    static let refused: [(String, TarError, [Entry], Int?)] = {
        let rows = TarError.unsafePath(kind: "regular file", problem: .rowsEntry)
        return [
            ("a piece before tables.json", rows, [piece("tenants", "000001"), tables], nil),
            ("a piece numbered 2 first", rows, [tables, piece("tenants", "000002")], nil),
            ("a skipped piece number", rows, [tables, piece("tenants", "000001"), piece("tenants", "000003")], nil),
            ("a table tables.json does not list", rows, [tables, piece("other", "000001")], nil),
            ("tables out of order", rows, [tables, piece("pages", "000001"), piece("tenants", "000001")], nil),
            ("a table coming back", rows, [tables, piece("tenants", "000001"), piece("pages", "000001"), piece("tenants", "000002")], nil),
            ("rows after the files", rows, [file, tables, piece("tenants", "000001"), piece("pages", "000001")], nil),
            ("a piece with a short name", rows, [tables, piece("tenants", "1")], nil),
            ("a second tables.json", rows, [tables, tables], nil),
            ("a folder under rows/", TarError.unsafePath(kind: "directory", problem: .rowsEntry), [tables, Entry("rows/tenants", .directory)], nil),
            ("a link under rows/", TarError.unsafePath(kind: "symbolic link", problem: .rowsEntry), [Entry("rows/tables.json", .symlink(Array("/etc/passwd".utf8)))], nil),
            ("rows/ as a file", rows, [Entry("rows", .file([1]))], nil),
            ("a deeper path", rows, [tables, Entry("rows/tenants/x/000001.csv", .file([1]))], nil),
            ("a listed table without rows", .manifestMismatch("a table listed in rows/tables.json has no rows file"), [tables, piece("tenants", "000001")], nil),
            ("a version 1 manifest", .manifestMismatch("the manifest's version does not match the archive's rows"),
             [tables, piece("tenants", "000001"), piece("pages", "000001")], 1),
            ("tables.json naming ..", .manifestMismatch("rows/tables.json names a table twice or under an unusable name"),
             [Entry("rows/tables.json", .file(Array(#"{"tables":[{"name":".."}]}"#.utf8)))], nil),
        ]
    }()

    @Test(arguments: 0..<refused.count)
    func anythingElseUnderRowsIsRefused(_ index: Int) throws {
        let (name, expected, entries, version) = Self.refused[index]
        let temp = TempFolder()
        var bytes = try Self.archive(entries)
        if let version {
            let sink = BufferSink()
            let builder = try TarStreamBuilder(into: sink)
            try builder.add(entries)
            var manifest = TarManifest()
            for entry in entries { if case .file(let content) = entry.kind { manifest.append(path: entry.path, type: LibArchive.regular, size: Int64(content.count), mode: entry.mode, mtime: entry.mtime, mtimeNanos: 0, target: nil) } }
            manifest.version = version
            try builder.add(Entry(bytes: TarManifest.entryName, .file(Array(manifest.encoded())), mode: 0o600, mtime: 0))
            try builder.finish()
            bytes = sink.bytes
        }
        let staging = temp.folder("staging")
        #expect(throws: expected, "\(name)") { _ = try TarUnpacker.unpack(from: BufferSource(bytes), into: staging) }
        #expect(throws: expected, "\(name)") { try TarExporter.export(from: BufferSource(bytes), to: CountingSink(), format: .tar) }
    }
}
