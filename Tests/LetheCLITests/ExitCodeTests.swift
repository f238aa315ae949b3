import Foundation
import LetheTestSupport
import Testing

/// The errors an operator meets: one clear line on standard error and the exit codes of DESIGN.md.
@Suite struct ExitCodeTests {
    @Test func unknownCustomerIsNotFound() throws {
        let fixture = try CLIFixture(customers: ["alice": ["a.txt": Array("a".utf8)]])
        try fixture.succeed(["backup"])
        let result = try fixture.lethe(["restore", "--customer", "mallory", "--to", fixture.root.url.appendingPathComponent("r").path])
        #expect(result.status == 5)
        #expect(result.stderr.hasPrefix("lethe: unknown customer"))
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(try fixture.lethe(["backup", "--customer", "mallory"]).status == 5)
    }

    @Test func missingHomeFails() throws {
        let result = try LetheProcess.run(["list", "sets", "--home", "/nonexistent/lethe-home"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("no Lethe home at /nonexistent/lethe-home"))
    }

    @Test func noHomeAtAllIsUsage() throws {
        let result = try LetheProcess.run(["list", "sets"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--home"))
    }

    @Test func badArgumentsAreUsage() throws {
        #expect(try LetheProcess.run(["restore", "--home", "/tmp"]).status == 64)
        #expect(try LetheProcess.run(["frobnicate"]).status == 64)
        #expect(try LetheProcess.run(["list", "everything", "--home", "/tmp"]).status == 64)
    }

    /// `init` warns when the only key directory is the one inside the home (a host backup of
    /// the home would hold every key), and not when a mirror lies elsewhere.
    @Test func initWarnsWhenTheOnlyKeyDirectoryIsInsideTheHome() throws {
        let root = try TemporaryDirectory()
        let source = root.url.appendingPathComponent("source")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        let alone = try LetheProcess.run(["init", "--home", root.url.appendingPathComponent("h1").path, "--source", source.path])
        #expect(alone.status == 0)
        #expect(alone.stderr.contains("the only key directory is inside the home"))
        let mirrored = try LetheProcess.run(["init", "--home", root.url.appendingPathComponent("h2").path, "--source", source.path,
                                             "--key-mirror", root.url.appendingPathComponent("vault").path])
        #expect(mirrored.status == 0)
        #expect(!mirrored.stderr.contains("the only key directory"))
    }

    @Test func initRefusesAnExistingHome() throws {
        let fixture = try CLIFixture(customers: ["alice": ["a.txt": Array("a".utf8)]])
        let before = try Data(contentsOf: fixture.home.appendingPathComponent("lethe.json"))
        let result = try LetheProcess.run(["init", "--home", fixture.home.path, "--source", fixture.source.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("already a Lethe home"))
        #expect(try Data(contentsOf: fixture.home.appendingPathComponent("lethe.json")) == before)
    }

    @Test func initRefusesAHomeInsideTheSource() throws {
        let root = try TemporaryDirectory()
        let source = root.url.appendingPathComponent("source")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        let result = try LetheProcess.run(["init", "--home", source.appendingPathComponent("home").path, "--source", source.path])
        #expect(result.status == 64)
        #expect(result.stderr.contains("inside the source tree"))
    }

    /// A home not yet created, under a link to the source root, is inside it too: the existing
    /// ancestors are resolved before comparing.
    @Test func initRefusesAHomeInsideTheSourceThroughALink() throws {
        let root = try TemporaryDirectory()
        let source = root.url.appendingPathComponent("source")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        let link = root.url.appendingPathComponent("source-link")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: source.path)
        let result = try LetheProcess.run(["init", "--home", link.appendingPathComponent("a/home").path, "--source", source.path])
        #expect(result.status == 64)
        #expect(result.stderr.contains("inside the source tree"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: source.path).isEmpty)
    }

    @Test func initRefusesAnInvalidPolicy() throws {
        let root = try TemporaryDirectory()
        let source = root.url.appendingPathComponent("source")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        let policy = root.url.appendingPathComponent("bad.yaml")
        try Data("name: x\ntimezone: UTC\nmax_age: 10 days\nlocal: { daily: 7d }\n".utf8).write(to: policy)
        let home = root.url.appendingPathComponent("home")
        let result = try LetheProcess.run(["init", "--home", home.path, "--source", source.path, "--policy", policy.path])
        #expect(result.status == 64)
        #expect(result.stderr.contains("bad.yaml:3"))
        #expect(!FileManager.default.fileExists(atPath: home.path))
    }

    @Test func restoreRefusesANonEmptyTarget() throws {
        let fixture = try CLIFixture(customers: ["alice": ["a.txt": Array("a".utf8)]])
        try fixture.succeed(["backup"])
        let target = fixture.root.url.appendingPathComponent("occupied")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: target.appendingPathComponent("keep.txt"))
        let result = try fixture.lethe(["restore", "--customer", "alice", "--to", target.path])
        #expect(result.status == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: target.path) == ["keep.txt"])
    }

    /// `--to a/b/c` creates `a` and `b` (mode 0700), as `mkdir -p` would; the target itself is new.
    @Test func restoreCreatesMissingParents() throws {
        let fixture = try CLIFixture(customers: ["alice": ["a.txt": Array("alice".utf8)]])
        try fixture.succeed(["backup"])
        let outer = fixture.root.url.appendingPathComponent("new")
        let target = outer.appendingPathComponent("deeper").appendingPathComponent("alice")
        try fixture.succeed(["restore", "--customer", "alice", "--to", target.path])
        #expect(try Data(contentsOf: target.appendingPathComponent("a.txt")) == Data("alice".utf8))
        for folder in [outer, outer.appendingPathComponent("deeper")] {
            let mode = try FileManager.default.attributesOfItem(atPath: folder.path)[.posixPermissions] as? Int
            #expect(mode == 0o700, "\(folder.lastPathComponent)")
        }
    }

    /// A restore that fails leaves nothing behind, not even the parent folders it created.
    @Test func failedRestoreRemovesTheParentsItCreated() throws {
        let fixture = try CLIFixture(customers: ["alice": ["a.bin": randomBytes(200_000, seed: 8)]])
        try fixture.succeed(["backup"])
        let file = try fixture.archiveFile(customer: "alice")
        var bytes = [UInt8](try Data(contentsOf: file))
        bytes[bytes.count - 1000] ^= 0x01
        try Data(bytes).write(to: file)
        let outer = fixture.root.url.appendingPathComponent("new")
        let result = try fixture.lethe(["restore", "--customer", "alice", "--to", outer.appendingPathComponent("b/alice").path])
        #expect(result.status == 3)
        #expect(!FileManager.default.fileExists(atPath: outer.path))
    }

    @Test func unknownSetIsNotFound() throws {
        let fixture = try CLIFixture(customers: ["alice": ["a.txt": Array("a".utf8)]])
        try fixture.succeed(["backup"])
        let result = try fixture.lethe(["restore", "--customer", "alice", "--set", "20200101T000000Z-zzzz",
                                        "--to", fixture.root.url.appendingPathComponent("r").path])
        #expect(result.status == 5)
    }
}

/// `lethe verify --copies` authenticates every byte of every copy and exits 3 on the first bad one.
@Suite struct VerifyCopiesTests {
    @Test func verifyCopiesFindsTheDamagedCopy() throws {
        let fixture = try CLIFixture(customers: ["alice": ["a.bin": randomBytes(300_000, seed: 3)], "bob": ["b.txt": Array("b".utf8)]])
        try fixture.succeed(["backup"])
        #expect(try fixture.succeed(["verify", "--copies"]).contains("2 of 2 copies read back whole and authentic"))
        let file = try fixture.archiveFile(customer: "alice")
        var bytes = [UInt8](try Data(contentsOf: file))
        bytes[bytes.count - 100] ^= 0x40
        try Data(bytes).write(to: file)
        // The structure still agrees (same size); only reading every byte finds the damage.
        #expect(try fixture.succeed(["verify"]).hasPrefix("catalog and stores agree: every copy catalogued as stored is there at its recorded size (2 copies)"))
        let result = try fixture.lethe(["verify", "--copies"])
        #expect(result.status == 3)
        #expect(result.stdout.contains("1 of 2 copies"))
        #expect(result.stdout.contains("failed authentication"))
        // Recorded on the copy: `list archives` shows it damaged (a structure check does not clear it).
        #expect(try fixture.succeed(["verify"]).hasPrefix("catalog and stores agree"))
        let marked = try fixture.copies(customer: "alice").filter { $0["object_key"] as? String == file.path.components(separatedBy: "/store/").last }
        #expect(marked.count == 1 && marked.first?["finding"] as? String == "damaged", "\(marked)")
        #expect(try fixture.lethe(["verify", "--ledger", "--copies"]).status == 64)
        try FileManager.default.removeItem(at: file)
        let structure = try fixture.lethe(["verify"])
        #expect(structure.status == 3)
        #expect(structure.stdout.contains("1 disagreement"))
        #expect(structure.stdout.contains("missing from the store"))
    }
}
