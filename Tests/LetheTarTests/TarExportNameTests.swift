import Foundation
import LetheCore
import LetheTestSupport
import Testing
@testable import LetheTar

/// `lethe export --format tar` names extract as the exact bytes with both common tar
/// implementations, bsdtar (libarchive) and GNU tar, under a UTF-8 and under the C locale.
@Suite struct TarExportNameTests {
    /// A tree of the nasty names (files, folders, links with non-UTF-8 and NFD targets), packed.
    static func packedNastyTree(_ temp: TempFolder) throws -> (root: [UInt8], archive: [UInt8]) {
        let source = temp.folder("source", mode: 0o755)
        let root = Array(source.path.utf8)
        Tree.mkdir(root, "files")
        Tree.mkdir(root, "folders")
        Tree.mkdir(root, "links")
        for name in NastyNames.corpus {
            Tree.file(root, Array("files/".utf8) + name, name)
            Tree.mkdir(root, Array("folders/".utf8) + name)
            Tree.file(root, Array("folders/".utf8) + name + [PathBytes.slash] + name, [1])
            Tree.symlink(root, Array("links/".utf8) + name, to: Array("../files/".utf8) + name)
        }
        let sink = BufferSink()
        let report = try TarPacker.pack(folder: source, into: sink)
        #expect(report.skippedPaths.isEmpty)
        return (root, sink.bytes)
    }

    /// Runs `tool arguments…` with `LC_ALL=locale`; returns its exit status and standard error.
    static func run(_ tool: String, _ arguments: [String], locale: String) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        process.environment = ["PATH": "/usr/bin:/bin", "LC_ALL": locale]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stderr, as: UTF8.self))
    }

    /// What must survive an export: path, type, permission bits, content, link target (bytes).
    static func shape(_ nodes: [Tree.Node]) -> [Tree.Node] {
        nodes.map { node in
            var node = node
            node.mtime = 0
            node.mtimeNanos = 0
            return node
        }.sorted { $0.path.lexicographicallyPrecedes($1.path) }
    }

    /// GNU tar does not know the pax keyword `hdrcharset` (it keeps the bytes as they are
    /// anyway) and says so once per entry, unless told not to.
    static let gnuUnknownKeyword = "tar: Ignoring unknown extended header keyword 'hdrcharset'"

    @Test(arguments: [["bsdtar"], ["tar"], ["tar", "--warning=no-unknown-keyword"]], ["C.UTF-8", "C"])
    func exportedNamesExtractAsTheExactBytes(command: [String], locale: String) throws {
        let temp = TempFolder()
        let (root, archive) = try Self.packedNastyTree(temp)
        let output = BufferSink()
        try TarExporter.export(from: BufferSource(archive), to: output, format: .tar)
        let file = temp.url.appendingPathComponent("export.tar")
        try Data(output.bytes).write(to: file)

        let extracted = temp.folder("extracted")
        let context = "\(command.joined(separator: " ")) under \(locale):"
        let result = try Self.run(command[0], Array(command.dropFirst()) + ["-x", "-f", file.path, "-C", extracted.path], locale: locale)
        #expect(result.status == 0, "\(context) exited \(result.status): \(result.stderr)")
        let messages = result.stderr.split(separator: "\n").map(String.init)
        if command == ["tar"] {
            #expect(!messages.isEmpty && messages.allSatisfy { $0 == Self.gnuUnknownKeyword }, "\(context) \(result.stderr)")
        } else {
            #expect(messages.isEmpty, "\(context) \(result.stderr)")
        }
        let want = Self.shape(Tree.snapshot(root)), got = Self.shape(Tree.snapshot(Array(extracted.path.utf8)))
        NameBytesTests.expectSame(want, got, context)
    }

    @Test func exportedNamesAreMarkedBinary() throws {
        let temp = TempFolder()
        let (_, archive) = try Self.packedNastyTree(temp)
        let output = BufferSink()
        try TarExporter.export(from: BufferSource(archive), to: output, format: .tar)
        // libarchive's pax writer with hdrcharset=BINARY gives every entry the record
        // "21 hdrcharset=BINARY\n", so readers keep the bytes instead of converting (and
        // normalising) them.
        let marker = Array("hdrcharset=BINARY\n".utf8)
        let count = output.bytes.indices.dropLast(marker.count).filter { output.bytes[$0..<$0 + marker.count].elementsEqual(marker) }.count
        #expect(count == 3 + 4 * NastyNames.corpus.count)
    }
}
