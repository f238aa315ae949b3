import Foundation
import LetheTestSupport
import Testing

/// Erasure wins every race (invariant 13): a restore or export paused mid-stream (SIGSTOP) while
/// a shred completes, then resumed, delivers nothing: exit 4, no output, nothing left behind.
@Suite(.serialized) struct ErasureRaceTests {
    /// A home with one large customer (so a restore or export takes a while) and one small one.
    static func fixture() throws -> CLIFixture {
        let fixture = try CLIFixture(customers: ["small": ["a.txt": Array("small".utf8)]])
        let big = fixture.source.appendingPathComponent("big")
        try FileManager.default.createDirectory(at: big, withIntermediateDirectories: true)
        let random = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/urandom"))
        try random.read(upToCount: 128 << 20)!.write(to: big.appendingPathComponent("big.bin"))
        fixture.environment["LETHE_NOW"] = "2026-11-02T01:00:00Z"
        try fixture.succeed(["backup"])
        fixture.environment["LETHE_NOW"] = "2026-11-03T01:00:00Z"
        return fixture
    }

    /// Starts `lethe arguments…`, freezes it once `started()` holds (its staging output holds
    /// more than a MiB: keys looked up, the archive streaming), shreds `big`, resumes it, and
    /// returns how it ended.
    static func raceShred(_ fixture: CLIFixture, _ arguments: [String], started: () -> Bool) throws -> LetheProcess.Result {
        let running = LetheProcess.start(arguments + ["--home", fixture.home.path], environment: fixture.environment)
        try running.process.run()
        while running.process.isRunning, !started() { usleep(200) }
        kill(running.process.processIdentifier, SIGSTOP)
        let shred = try fixture.lethe(["shred", "--customer", "big", "--request", "RACE-2", "--yes"])
        kill(running.process.processIdentifier, SIGCONT)
        #expect(shred.status == 0, "\(shred.stderr)")
        let out = running.stdout.fileHandleForReading.readDataToEndOfFile()
        let err = running.stderr.fileHandleForReading.readDataToEndOfFile()
        running.process.waitUntilExit()
        return LetheProcess.Result(status: running.process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                                   stderr: String(decoding: err, as: UTF8.self))
    }

    static func size(_ file: URL) -> Int { ((try? FileManager.default.attributesOfItem(atPath: file.path))?[.size] as? Int) ?? 0 }

    static func entries(_ folder: URL) -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] }

    @Test func aRestoreRacingAShredDeliversNothing() throws {
        let fixture = try Self.fixture()
        let parent = fixture.root.url.appendingPathComponent("restores")
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        let target = parent.appendingPathComponent("big")
        let result = try Self.raceShred(fixture, ["restore", "--customer", "big", "--to", target.path]) {
            Self.entries(parent).contains { $0.hasPrefix(".lethe-restore-") && Self.size(parent.appendingPathComponent($0).appendingPathComponent("big.bin")) > 1 << 20 }
        }
        #expect(result.status == 4, "\(result.stderr)")
        #expect(result.stderr.contains("shredded"))
        #expect(Self.entries(parent).isEmpty, "left behind: \(Self.entries(parent))")
        // The other customer is untouched.
        try fixture.succeed(["restore", "--customer", "small", "--to", parent.appendingPathComponent("small").path])
    }

    @Test func anExportRacingAShredDeliversNothing() throws {
        let fixture = try Self.fixture()
        let folder = fixture.root.url.appendingPathComponent("exports")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let output = folder.appendingPathComponent("big.tar")
        let result = try Self.raceShred(fixture, ["export", "--customer", "big", "--out", output.path]) {
            Self.entries(folder).contains { $0.hasPrefix(".lethe-export-") && Self.size(folder.appendingPathComponent($0)) > 1 << 20 }
        }
        #expect(result.status == 4, "\(result.stderr)")
        #expect(Self.entries(folder).isEmpty, "left behind: \(Self.entries(folder))")
    }

    /// `export --out -` streams: a shred landing while the reader holds the stream back (the
    /// export blocks on a full pipe) aborts it: exit 4, and the reader never gets the rest, so
    /// never a complete archive. Before the first byte, a shredded customer gets nothing.
    @Test func anExportToStandardOutputRacingAShredStopsTheStream() throws {
        let fixture = try Self.fixture()
        let running = LetheProcess.start(["export", "--customer", "big", "--out", "-", "--format", "tar", "--home", fixture.home.path], environment: fixture.environment)
        try running.process.run()
        let reader = running.stdout.fileHandleForReading
        var received = 0
        while received < 1 << 20, let chunk = try reader.read(upToCount: 1 << 16), !chunk.isEmpty { received += chunk.count }
        #expect(received >= 1 << 20, "the stream ended early: \(String(decoding: running.stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
        let shred = try fixture.lethe(["shred", "--customer", "big", "--request", "RACE-3", "--yes"])
        #expect(shred.status == 0, "\(shred.stderr)")
        received += reader.readDataToEndOfFile().count
        let err = running.stderr.fileHandleForReading.readDataToEndOfFile()
        running.process.waitUntilExit()
        #expect(running.process.terminationStatus == 4, "\(String(decoding: err, as: UTF8.self))")
        #expect(received < 128 << 20, "the whole archive was delivered after the shred")

        let after = try fixture.lethe(["export", "--customer", "big", "--out", "-", "--format", "tar"])
        #expect(after.status == 4)
        #expect(after.stdout.isEmpty)
    }

    /// An uncontested `export --out -` writes a standard tar to standard output.
    @Test func anExportToStandardOutputIsAStandardTar() throws {
        let fixture = try CLIFixture(customers: ["small": ["a.txt": Array("small".utf8)]])
        try fixture.succeed(["backup"])
        let tar = fixture.root.url.appendingPathComponent("small.tar")
        let result = try fixture.lethe(["export", "--customer", "small", "--out", "-", "--format", "tar"])
        #expect(result.status == 0, "\(result.stderr)")
        try Data(result.stdout.utf8).write(to: tar)
        let list = Process()
        list.executableURL = URL(fileURLWithPath: "/usr/bin/bsdtar")
        list.arguments = ["-t", "-f", tar.path]
        let names = Pipe()
        list.standardOutput = names
        try list.run()
        let listed = String(decoding: names.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        list.waitUntilExit()
        #expect(list.terminationStatus == 0)
        #expect(listed.contains("a.txt"))
        #expect(try fixture.lethe(["export", "--customer", "small", "--out", "-", "--format", "tar", "--json"]).status == 64)
    }
}
