import Foundation
import LetheTestSupport
import Testing

/// A shred interrupted anywhere (SIGKILL), or stopped by an unreachable key directory, is never
/// reported done: `keys status` shows what is owed, and the next `shred` or `keys rotate`
/// finishes it. And a shred racing a running backup wins.
@Suite struct ShredCrashTests {
    static let steps = ["after-mark", "after-catalog", "after-rotate-write", "after-rotate-commit"]

    @Test(arguments: steps, ["shred", "keys rotate"])
    func aShredKilledAtAnyStepIsFinishedByTheNextCommand(step: String, finisher: String) throws {
        let fixture = try CLIFixture.aliceAndBobBackedUpTwice()
        let pseudonym = try #require(try fixture.copies(customer: "alice").first?["pseudonym"] as? String)

        let killed = try fixture.killedShred("alice", request: "REQ-9", at: step)
        #expect(killed.status == SIGKILL, "\(killed.stderr)")
        #expect(!killed.stdout.contains("Complete"))

        // Meanwhile: she cannot be restored, and the key store reports what is owed.
        #expect(try fixture.lethe(["restore", "--customer", "alice", "--to", fixture.root.url.appendingPathComponent("r0").path]).status == 4)
        let owedStatus = try fixture.lethe(["keys", "status", "--json"])
        #expect(owedStatus.status == 1, "not healthy: exit 1 after printing the status")
        let owed = try #require(try JSONSerialization.jsonObject(with: Data(owedStatus.stdout.utf8)) as? [String: Any])
        #expect(owed["healthy"] as? Bool == false)
        #expect(owed["owed_rotation"] as? String != nil)
        #expect(owed["pending_shreds"] as? Int == (step == "after-mark" || step == "after-catalog" ? 1 : 0))
        #expect(try fixture.lethe(["keys", "status"]).stdout.contains("ROTATION OWED"))

        let finished = finisher == "shred"
            ? try fixture.lethe(["shred", "--customer", "alice", "--request", "REQ-9", "--yes"])
            : try fixture.lethe(["keys", "rotate"])
        #expect(finished.status == 0, "\(finished.stderr)")
        if step == "after-mark" { #expect(finished.stdout.contains("Finished an interrupted shred")) }

        let status = try #require(try JSONSerialization.jsonObject(with: Data(try fixture.succeed(["keys", "status", "--json"]).utf8)) as? [String: Any])
        #expect(status["healthy"] as? Bool == true)
        #expect(status["pending_shreds"] as? Int == 0)
        let epoch = try #require(status["epoch"] as? Int)
        #expect(epoch >= 2)
        let keyFiles = try keyDirectoryFiles(fixture.home.appendingPathComponent("keys"))
        #expect(keyFiles == [String(format: "kek-%06d.key", epoch)])

        // Every copy of hers is recorded shredded, exactly once in the ledger; bob is intact.
        let copies = try fixture.copies().filter { $0["pseudonym"] as? String == pseudonym }
        #expect(copies.count == 2)
        #expect(copies.allSatisfy { $0["state"] as? String == "shredded" })
        let ledger = try ledgerKinds(fixture)
        #expect(ledger.filter { $0 == "customer.shredded" }.count == 1)
        #expect(ledger.contains("keys.rotated"))
        try fixture.succeed(["restore", "--customer", "bob", "--to", fixture.root.url.appendingPathComponent("rb").path])
        #expect(try fixture.lethe(["restore", "--customer", "alice", "--to", fixture.root.url.appendingPathComponent("r1").path]).status == 4)
    }

    @Test func aShredWithAnUnreachableKeyDirectoryIsIncompleteUntilKeysRotate() throws {
        let fixture = try CLIFixture(customers: ["alice": ["a.txt": Array("alice".utf8)], "bob": ["b.txt": Array("bob".utf8)]])
        // A second home with a mirror key directory, beside the fixture's.
        let mirrored = try fixture.mirroredHome()
        let (home, mirror, lethe) = (mirrored.home, mirrored.mirror, { try mirrored.lethe($0) })
        #expect(try lethe(["backup"]).status == 0)

        let away = fixture.root.url.appendingPathComponent("vault-unplugged")
        try FileManager.default.moveItem(at: mirror, to: away)
        let shred = try lethe(["shred", "--customer", "alice", "--request", "REQ-5", "--yes"])
        #expect(shred.status == 1)
        #expect(shred.stdout.contains("INCOMPLETE"))
        #expect(shred.stderr.contains("shred incomplete"))
        #expect(shred.stderr.contains(mirror.path))
        #expect(try lethe(["restore", "--customer", "alice", "--to", fixture.root.url.appendingPathComponent("r").path]).status == 4)
        let status = try #require(try JSONSerialization.jsonObject(with: Data(try lethe(["keys", "status", "--json"]).stdout.utf8)) as? [String: Any])
        #expect(status["healthy"] as? Bool == false)
        #expect((status["directories"] as? [[String: Any]])?.last?["readable"] as? Bool == false)
        // Escrow is refused while the old KEK could still open a pre-shred key store copy.
        let escrow = try lethe(["keys", "escrow", "--raw"])
        #expect(escrow.status == 1)
        #expect(escrow.stdout.isEmpty)

        try FileManager.default.moveItem(at: away, to: mirror)
        let rotate = try lethe(["keys", "rotate"])
        #expect(rotate.status == 0, "\(rotate.stderr)")
        #expect(try keyDirectoryFiles(mirror) == ["kek-000002.key"])
        #expect(try keyDirectoryFiles(home.appendingPathComponent("keys")) == ["kek-000002.key"])
        let again = try lethe(["shred", "--customer", "alice", "--request", "REQ-5", "--yes"])
        #expect(again.status == 0)
        #expect(again.stdout.contains("Already shredded"))
    }

    /// A shred from another process while a backup is writing the same customer's archive: the
    /// backup publishes nothing for them, and finishes everyone else.
    @Test func aShredRacingABackupWins() throws {
        var customers: [String: [String: [UInt8]]] = [:]
        for n in 0..<4 { customers["c\(n)"] = ["f.txt": Array("customer \(n)".utf8)] }
        let fixture = try CLIFixture(customers: customers)
        // The big customer sorts last, so the others are done while its archive is written.
        let big = fixture.source.appendingPathComponent("zz-big")
        try FileManager.default.createDirectory(at: big, withIntermediateDirectories: true)
        let random = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/urandom"))
        try random.read(upToCount: 96 << 20)!.write(to: big.appendingPathComponent("big.bin"))

        // One archive a batch: the others are recorded as soon as each is written.
        let backup = LetheProcess.start(["backup", "--json", "--home", fixture.home.path],
                                        environment: fixture.environment.merging(["LETHE_TEST_BATCH_SIZE": "1"]) { $1 })
        try backup.process.run()
        // Wait until the four others are recorded (so no worker is inside a catalog commit, which
        // a frozen process would hold on to) and the big customer's archive is being written (its
        // temporary file grows), then freeze the backup there so the shred lands mid-archive.
        var temporary: URL?
        var othersRecorded = false
        while temporary == nil, backup.process.isRunning {
            othersRecorded = othersRecorded || ((try? fixture.copies()) ?? []).count == 4
            temporary = othersRecorded ? regularFiles(under: fixture.store).first {
                $0.lastPathComponent.hasPrefix(".tmp-") && ((try? $0.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0) > 1 << 20
            } : nil
            if temporary == nil { usleep(500) }
        }
        let caught = try #require(temporary, "the backup never wrote the big archive")
        kill(backup.process.processIdentifier, SIGSTOP)
        let pseudonym = caught.deletingLastPathComponent().lastPathComponent  // archives/<pseudonym>/.tmp-…

        let shred = try fixture.lethe(["shred", "--customer", "zz-big", "--request", "RACE-1", "--yes", "--json"])
        kill(backup.process.processIdentifier, SIGCONT)
        #expect(shred.status == 0, "\(shred.stderr)")
        let receipt = try JSONSerialization.jsonObject(with: Data(shred.stdout.utf8)) as? [String: Any]
        #expect(receipt?["pseudonym"] as? String == pseudonym)

        let output = backup.stdout.fileHandleForReading.readDataToEndOfFile()
        _ = backup.stderr.fileHandleForReading.readDataToEndOfFile()
        backup.process.waitUntilExit()
        #expect(backup.process.terminationStatus == 2)
        let outcome = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
        let results = outcome["customers"] as? [[String: Any]] ?? []
        #expect(results.filter { $0["status"] as? String == "committed" }.count == 4)
        let shredded = results.filter { $0["status"] as? String == "shredded" }
        #expect(shredded.count == 1)
        #expect((shredded.first?["message"] as? String)?.contains("(request RACE-1)") == true)

        // Nothing of hers is live in the catalog or present in the store; everyone else restores.
        #expect(try fixture.copies().filter { $0["pseudonym"] as? String == pseudonym && $0["state"] as? String != "shredded" }.isEmpty)
        #expect(regularFiles(under: fixture.store.appendingPathComponent("archives/\(pseudonym)")).isEmpty)
        for n in 0..<4 {
            let target = fixture.root.url.appendingPathComponent("r\(n)")
            try fixture.succeed(["restore", "--customer", "c\(n)", "--to", target.path])
            #expect(try String(contentsOf: target.appendingPathComponent("f.txt"), encoding: .utf8) == "customer \(n)")
        }
        let sets = try JSONSerialization.jsonObject(with: Data(try fixture.succeed(["list", "sets", "--json"]).utf8)) as? [[String: Any]]
        #expect(sets?.first?["state"] as? String == "partial")
    }

    /// The ledger's event kinds, read with Python's sqlite3 (the catalog is plain SQLite).
    func ledgerKinds(_ fixture: CLIFixture) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sqlite3, sys; [print(k) for (k,) in sqlite3.connect(sys.argv[1]).execute('SELECT kind FROM ledger ORDER BY seq')]",
                             fixture.home.appendingPathComponent("catalog.sqlite").path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw FixtureError("python3 could not read the ledger") }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
