import Foundation
import LetheCore
import LetheTestSupport
import Testing
@testable import LetheTar
#if canImport(Glibc)
import Glibc
#endif

@Suite struct TarExportTests {
    /// A small customer tree and the archive packed from it.
    static func packedTree(_ temp: TempFolder) throws -> (root: [UInt8], archive: [UInt8]) {
        let source = temp.folder("source", mode: 0o755)
        let root = Array(source.path.utf8)
        Tree.mkdir(root, "pages")
        Tree.mkdir(root, "empty")
        Tree.file(root, "pages/a.md", Array("# A\n".utf8))
        Tree.file(root, "pages/Crème 日本.txt", Array("unicode".utf8), mode: 0o600)
        Tree.file(root, "blob.bin", Tree.noise(200_000, seed: 2))
        Tree.symlink(root, "pages/link", to: "a.md")
        let sink = BufferSink()
        _ = try TarPacker.pack(folder: source, into: sink)
        return (root, sink.bytes)
    }

    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(tool) failed")
        return String(decoding: output, as: UTF8.self)
    }

    @Test func tarExportListsTheCustomerPathsWithoutPrefixOrManifest() throws {
        let temp = TempFolder()
        let (root, archive) = try Self.packedTree(temp)
        let output = BufferSink()
        try TarExporter.export(from: BufferSource(archive), to: output, format: .tar)
        let file = temp.url.appendingPathComponent("export.tar")
        try Data(output.bytes).write(to: file)

        let listed = try Self.run("tar", ["-tf", file.path]).split(separator: "\n").map(String.init)
        let expected = Tree.snapshot(root).map { String(decoding: $0.path, as: UTF8.self) + ($0.type == 0o040000 ? "/" : "") }
        #expect(listed.sorted() == expected.sorted())

        // GNU tar extracts exactly the original tree.
        let extracted = temp.folder("extracted")
        _ = try Self.run("tar", ["-xf", file.path, "-C", extracted.path])
        let strip: ([Tree.Node]) -> [[String]] = { nodes in
            nodes.map { [String(decoding: $0.path, as: UTF8.self), String($0.type), String($0.mode),
                         String($0.content.hashValue), String(decoding: $0.target ?? [], as: UTF8.self)] }
        }
        #expect(strip(Tree.snapshot(Array(extracted.path.utf8))) == strip(Tree.snapshot(root)))
    }

    @Test func zipExportOpensWithStandardTools() throws {
        let temp = TempFolder()
        let (root, archive) = try Self.packedTree(temp)
        let output = BufferSink()
        try TarExporter.export(from: BufferSource(archive), to: output, format: .zip)
        let file = temp.url.appendingPathComponent("export.zip")
        try Data(output.bytes).write(to: file)

        let script = """
        import json, sys, zipfile
        z = zipfile.ZipFile(sys.argv[1])
        assert z.testzip() is None
        print(json.dumps(sorted([i.filename, i.file_size] for i in z.infolist())))
        """
        let json = try Self.run("python3", ["-c", script, file.path])
        let listed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [[Any]]
        let names = listed.map { $0[0] as! String }
        let sizes = listed.map { $0[1] as! Int }
        let nodes = Tree.snapshot(root)
        let expected = nodes.map { String(decoding: $0.path, as: UTF8.self) + ($0.type == 0o040000 ? "/" : "") }
        #expect(names == expected.sorted())
        #expect(sizes.reduce(0, +) == nodes.reduce(0) { $0 + $1.content.count + ($1.target?.count ?? 0) })
        #expect(!names.contains { $0.contains("lethe-manifest") || $0.hasPrefix("data/") })
    }

    @Test(arguments: ExportFormat.allCases)
    func exportHandlesNamesThatAreNotUTF8(_ format: ExportFormat) throws {
        let temp = TempFolder()
        let source = temp.folder("source", mode: 0o755)
        Tree.file(Array(source.path.utf8), [0x6e, 0xff, 0xfe], [9, 9])
        let sink = BufferSink()
        _ = try TarPacker.pack(folder: source, into: sink)
        let output = BufferSink()
        try TarExporter.export(from: BufferSource(sink.bytes), to: output, format: format)
        var file = temp.url.appendingPathComponent("export" + format.fileExtension)
        try Data(output.bytes).write(to: file)
        if format == .tarZstd { // Python's tarfile reads gzip itself, zstd not before 3.14
            _ = try Self.run("zstd", ["-d", "-q", file.path, "-o", temp.url.appendingPathComponent("export.tar").path])
            file = temp.url.appendingPathComponent("export.tar")
        }
        // Python's readers are strict: tar keeps the raw bytes, zip (UTF-8 only) gets %FF%FE.
        let script = format.isTar
            ? "import sys, tarfile; print([m.name.encode('utf-8', 'surrogateescape').hex() for m in tarfile.open(sys.argv[1], encoding='utf-8', errors='surrogateescape')])"
            : "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print([i.filename.encode().hex() for i in z.infolist()])"
        let listed = try Self.run("python3", ["-c", script, file.path])
        let expected = format.isTar ? [0x6e, 0xff, 0xfe] : Array("n%FF%FE".utf8)
        #expect(listed == "['\(expected.map { String(format: "%02x", $0) }.joined())']\n")
    }

    @Test func exportReadsTheSourceToItsEnd() throws {
        let temp = TempFolder()
        let (_, archive) = try Self.packedTree(temp)
        let input = CountingSource(archive)
        try TarExporter.export(from: input, to: CountingSink(), format: .zip)
        #expect(input.sawEnd)
    }
}

@Suite struct TarMemoryTests {
    /// Packing streams: the sink receives output while the file is still being read, so at no
    /// point does more than a few MiB sit between the two (random data: zstd output ≈ input).
    @Test func packingALargeFileStreams() throws {
        let temp = TempFolder()
        let source = temp.folder("source", mode: 0o755)
        let fd = open(source.path + "/large.bin", O_WRONLY | O_CREAT, 0o644)
        let random = open("/dev/urandom", O_RDONLY)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        for _ in 0..<50 {
            #expect(read(random, &chunk, chunk.count) == chunk.count)
            #expect(write(fd, chunk, chunk.count) == chunk.count)
        }
        close(random)
        close(fd)

        let sink = CountingSink()
        var maximumLag: Int64 = 0
        let report = try TarPacker.pack(folder: source, into: sink) { packed in
            maximumLag = max(maximumLag, packed - Int64(sink.count))
        }
        #expect(report.bytes == 50 << 20)
        #expect(sink.count > 50 << 20)
        #expect(maximumLag < 4 << 20, "output lagged \(maximumLag) bytes behind input")
    }
}
