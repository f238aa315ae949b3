import Foundation
import LetheTestSupport
import Testing

/// `lethe export` through the real binary: the file's name decides its format, and common
/// tools (GNU tar, zstd, bsdtar) read each back to the customer's exact files.
@Suite struct ExportCommandTests {
    static let customers: [String: [String: [UInt8]]] = [
        "alice": ["notes/a.txt": Array("alice".utf8), "blob.bin": randomBytes(50_000, seed: 1),
                  "log.txt": Array(String(repeating: "the same line, again and again\n", count: 2_000).utf8)],
    ]

    /// A fixture with alice backed up, and an empty folder for exports.
    static func fixture() throws -> (CLIFixture, URL) {
        let fixture = try CLIFixture(customers: customers)
        try fixture.succeed(["backup"])
        let folder = fixture.root.url.appendingPathComponent("exports")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        return (fixture, folder)
    }

    /// The tree under `folder` as paths, types, contents and link targets (modes and times
    /// depend on the tool that extracted it).
    static func contents(_ folder: URL) -> [Tree.Node] {
        Tree.snapshot(Array(folder.path.utf8)).map { node in
            var node = node
            node.mode = 0
            node.mtime = 0
            node.mtimeNanos = 0
            return node
        }
    }

    /// Extracts the archive `file` of `format` into a new folder with the tool each format's
    /// recipient would use, and returns that folder.
    static func extract(_ file: URL, format: String, into folder: URL) throws -> URL {
        let target = folder.appendingPathComponent("extracted-" + format)
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: false)
        switch format {
        case "tar":
            try expectTool(["tar", "-xf", file.path, "-C", target.path])
        case "tar.gz":
            try expectTool(["tar", "-tzf", file.path])
            try expectTool(["tar", "-xzf", file.path, "-C", target.path])
        case "tar.zst":
            let tar = folder.appendingPathComponent("decompressed.tar")
            try expectTool(["zstd", "-d", "-q", file.path, "-o", tar.path])
            try expectTool(["tar", "-xf", tar.path, "-C", target.path])
            try FileManager.default.removeItem(at: tar)
        default:
            #expect(try Data(contentsOf: file).prefix(4) == Data([0x50, 0x4b, 0x03, 0x04]), "not a zip")
            try expectTool(["bsdtar", "-xf", file.path, "-C", target.path])
        }
        return target
    }

    /// Runs a tool that must succeed.
    static func expectTool(_ arguments: [String]) throws {
        let result = try LetheProcess.tool(arguments)
        #expect(result.status == 0, "\(arguments.joined(separator: " ")) exited \(result.status): \(result.output)")
    }

    /// `export --out alice.<ext>` writes the format the name ends in (`tar -tzf` reads the
    /// .tar.gz, `zstd -d` the .tar.zst), `--json` says which, and each extracts to alice's files.
    @Test(arguments: ["tar", "tar.gz", "tar.zst", "zip"])
    func exportWritesTheFormatItsNameEndsIn(_ format: String) throws {
        let (fixture, folder) = try Self.fixture()
        let file = folder.appendingPathComponent("alice." + format)
        let result = try fixture.lethe(["export", "--customer", "alice", "--out", file.path, "--json"])
        try #require(result.status == 0, "export exited \(result.status): \(result.stderr)")
        let outcome = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(outcome["format"] as? String == format)
        let extracted = try Self.extract(file, format: format, into: folder)
        #expect(Self.contents(extracted) == Self.contents(fixture.source.appendingPathComponent("alice")))
    }

    /// `--format` may repeat what the name says, and names the format of a stream: `--out -
    /// --format tar.zst` streams zstd (what `zstd -d` reads back to alice's files).
    @Test func formatAgreeingWithTheNameOrChoosingAStreamsFormatIsWritten() throws {
        let (fixture, folder) = try Self.fixture()
        let file = folder.appendingPathComponent("alice.tar.gz")
        try fixture.succeed(["export", "--customer", "alice", "--out", file.path, "--format", "tar.gz"])
        #expect(Self.contents(try Self.extract(file, format: "tar.gz", into: folder)) == Self.contents(fixture.source.appendingPathComponent("alice")))

        let streamed = try fixture.lethe(["export", "--customer", "alice", "--out", "-", "--format", "tar.zst"])
        try #require(streamed.status == 0, "export exited \(streamed.status): \(streamed.stderr)")
        let stream = folder.appendingPathComponent("stream.tar.zst")
        try streamed.stdoutBytes.write(to: stream)
        #expect(Self.contents(try Self.extract(stream, format: "tar.zst", into: folder)) == Self.contents(fixture.source.appendingPathComponent("alice")))
    }

    /// A name in no export format (`.tgz`, `.gz`, `.tar.bz2`, none) or a `--format` the name
    /// contradicts exits 64, says what to do, and writes nothing: no file, no temporary file.
    @Test func anUnknownEndingOrAContradictingFormatIsAUsageErrorThatWritesNothing() throws {
        let (fixture, folder) = try Self.fixture()
        for name in ["alice.tgz", "alice.gz", "alice.tar.bz2", "alice", "alice.tar.gz.txt"] {
            let result = try fixture.lethe(["export", "--customer", "alice", "--out", folder.appendingPathComponent(name).path])
            #expect(result.status == 64, "export to \(name) exited \(result.status): \(result.stderr)")
            #expect(result.stderr.contains(".tar, .tar.gz, .tar.zst or .zip"), "stderr: \(result.stderr)")
        }
        for (name, format) in [("alice.tar.gz", "tar"), ("alice.tar", "zip"), ("alice.zip", "tar.zst"), ("alice.tar.zst", "tar.gz")] {
            let result = try fixture.lethe(["export", "--customer", "alice", "--out", folder.appendingPathComponent(name).path, "--format", format])
            #expect(result.status == 64, "export to \(name) as \(format) exited \(result.status): \(result.stderr)")
            #expect(result.stderr.contains("contradicts"), "stderr: \(result.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        #expect(try fixture.lethe(["export", "--customer", "alice", "--out", "-", "--format", "tar.bz2"]).status == 64)
    }

    /// A stream has no name to take its format from: `--out -` without `--format` exits 64,
    /// names the formats, and writes no byte to standard output (issue 12, finding 8).
    @Test func aStreamWithoutAFormatIsAUsageErrorThatWritesNothing() throws {
        let (fixture, _) = try Self.fixture()
        let result = try fixture.lethe(["export", "--customer", "alice", "--out", "-"])
        #expect(result.status == 64, "export --out - exited \(result.status): \(result.stderr)")
        #expect(result.stderr.contains("--format tar, tar.gz, tar.zst or zip"), "stderr: \(result.stderr)")
        #expect(result.stdoutBytes.isEmpty)
    }
}
