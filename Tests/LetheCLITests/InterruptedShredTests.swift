import Foundation
import LetheTestSupport
import Testing

/// An interrupted shred is loud: `report` flags it (exit 1) without changing anything, and the
/// key authority's own jobs (`nightly`, `backup`) finish it before backing up, or exit non-zero
/// saying what to run.
@Suite struct InterruptedShredTests {
    /// Alice and bob backed up twice; then a shred of alice killed (SIGKILL) right after `step`.
    static func interruptedHome(at step: String) throws -> (fixture: CLIFixture, pseudonym: String) {
        let fixture = try CLIFixture.aliceAndBobBackedUpTwice()
        let pseudonym = try #require(try fixture.copies(customer: "alice").first?["pseudonym"] as? String)
        let killed = try fixture.killedShred("alice", request: "REQ-77", at: step)
        #expect(killed.status == SIGKILL, "\(killed.stderr)")
        fixture.environment["LETHE_NOW"] = "2026-11-02T09:00:00Z"
        return (fixture, pseudonym)
    }

    @Test(arguments: ShredCrashTests.steps, ["nightly", "backup"])
    func aShredKilledAtAnyStepIsFlaggedByTheReportAndFinishedByTheNextBackup(step: String, job: String) throws {
        let (fixture, pseudonym) = try Self.interruptedHome(at: step)
        let unrecorded = step == "after-mark"
        let epochBefore = try Self.keyStatus(fixture)["epoch"] as? Int

        // The report flags it in every format, and changes nothing.
        let flagged = try Self.report(fixture)
        #expect(flagged.status == 1, "\(flagged.stderr)")
        #expect(flagged.stderr.contains("lethe keys rotate"), "\(flagged.stderr)")
        let summary = try #require(flagged.json["summary"] as? [String: Any])
        #expect(summary["unfinished_shred"] as? Bool == true)
        let finding = try #require(flagged.json["unfinished_shred"] as? [String: Any])
        #expect(((finding["unrecorded"] as? [[String: Any]]) ?? []).compactMap { $0["pseudonym"] as? String } == (unrecorded ? [pseudonym] : []))
        #expect(finding["owed_rotation"] as? String != nil)
        let hers = (flagged.json["copies"] as? [[String: Any]] ?? []).filter { $0["pseudonym"] as? String == pseudonym }
        #expect(hers.count == 2 && hers.allSatisfy { $0["unfinished_shred"] as? String == (unrecorded ? "unrecorded" : "rotation_owed") })
        let html = try fixture.lethe(["report"])
        #expect(html.status == 1)
        #expect(html.stdout.contains("<section class=\"verdict bad\">"))
        #expect(html.stdout.contains("<tr class=\"overdue\"><td><code>\(pseudonym)</code></td>"), "no red row names her")
        let csv = try fixture.lethe(["report", "--format", "csv"])
        #expect(csv.status == 1)
        let rows = csv.stdout.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(rows.first?.hasSuffix(",overdue_days,unfinished_shred,finding") == true)
        #expect(rows.filter { $0.hasPrefix(pseudonym) }.allSatisfy { $0.hasSuffix(unrecorded ? ",unrecorded," : ",rotation_owed,") })
        #expect(try Self.keyStatus(fixture)["epoch"] as? Int == epochBefore)
        #expect(try Self.keyStatus(fixture)["pending_shreds"] as? Int == (step == "after-mark" || step == "after-catalog" ? 1 : 0))
        #expect(try fixture.copies(customer: "bob").allSatisfy { $0["state"] as? String == "live" })
        if unrecorded {
            #expect(try fixture.copies().filter { $0["pseudonym"] as? String == pseudonym }.allSatisfy { $0["state"] as? String == "live" })
        }

        // The operator removed her folder; the next backup finishes the shred first, then backs up bob.
        try FileManager.default.removeItem(at: fixture.source.appendingPathComponent("alice"))
        let run = try fixture.lethe([job])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        if unrecorded { #expect(run.stdout.contains("Finished an interrupted shred: recorded the copies of \(pseudonym) as shredded")) }
        #expect(run.stdout.contains("Rotated the key-encryption key"), "\(run.stdout)")

        let status = try Self.keyStatus(fixture)
        #expect(status["healthy"] as? Bool == true && status["pending_shreds"] as? Int == 0)
        let epoch = try #require(status["epoch"] as? Int)
        #expect(epoch > (epochBefore ?? .max))
        let keyFiles = try keyDirectoryFiles(fixture.home.appendingPathComponent("keys"))
        #expect(keyFiles == [String(format: "kek-%06d.key", epoch)])
        let copies = try fixture.copies().filter { $0["pseudonym"] as? String == pseudonym }
        #expect(copies.count == 2 && copies.allSatisfy { $0["state"] as? String == "shredded" })
        #expect(try fixture.copies(customer: "bob").count == 3)

        let clean = try Self.report(fixture)
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect((clean.json["summary"] as? [String: Any])?["unfinished_shred"] as? Bool == false)
        #expect(clean.json["unfinished_shred"] == nil)
        let erasures = try #require(clean.json["erasures"] as? [[String: Any]])
        #expect(erasures.count == 1 && (erasures.first?["kek_rotation"] as? [String: Any])?["complete"] as? Bool == true)
    }

    /// A key directory that cannot be reached: the backup records the shred, cannot rotate, backs up
    /// the others, exits 2 and names `lethe keys rotate`; the report stays red until a run can.
    @Test func aBackupThatCannotFinishTheShredExitsTwoAndSaysWhatToRun() throws {
        let fixture = try CLIFixture(customers: ["alice": ["a.txt": Array("alice".utf8)], "bob": ["b.txt": Array("bob".utf8)]])
        let mirrored = try fixture.mirroredHome()
        let (home, mirror, lethe) = (mirrored.home, mirrored.mirror, { try mirrored.lethe($0) })
        #expect(try lethe(["backup"]).status == 0)
        #expect(try fixture.killedShred("alice", request: "REQ-78", at: "after-mark", home: home).status == SIGKILL)

        let away = fixture.root.url.appendingPathComponent("vault-unplugged")
        try FileManager.default.moveItem(at: mirror, to: away)
        // Her folder is still in the source: she is refused by her tombstone, never backed up again.
        let nightly = try lethe(["nightly", "--json"])
        #expect(nightly.status == 2, "\(nightly.stderr)")
        #expect(nightly.stderr.contains("interrupted shred") && nightly.stderr.contains("lethe keys rotate"), "\(nightly.stderr)")
        let outcome = try #require(try JSONSerialization.jsonObject(with: Data(nightly.stdout.utf8)) as? [String: Any])
        let backup = try #require(outcome["backup"] as? [String: Any])
        let repair = try #require(backup["interrupted_shred"] as? [String: Any])
        #expect(repair["complete"] as? Bool == false && (repair["finished_earlier_shreds"] as? [String])?.count == 1)
        let customers = backup["customers"] as? [[String: Any]] ?? []
        #expect(customers.map { $0["status"] as? String }.sorted { ($0 ?? "") < ($1 ?? "") } == ["committed", "shredded"])
        let list = try lethe(["list", "archives", "--json"])
        let copies = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        let pseudonym = try #require(repair["finished_earlier_shreds"] as? [String]).first
        #expect(copies.filter { $0["pseudonym"] as? String == pseudonym }.map { $0["state"] as? String } == ["shredded"])
        #expect(copies.filter { $0["state"] as? String == "live" }.count == 2, "bob twice, alice never again")
        let report = try lethe(["report", "--format", "json"])
        #expect(report.status == 1)
        #expect(report.stdout.contains("\"unfinished_shred\" : true"))

        try FileManager.default.moveItem(at: away, to: mirror)
        try FileManager.default.removeItem(at: fixture.source.appendingPathComponent("alice"))
        let again = try lethe(["backup"])
        #expect(again.status == 0, "\(again.stderr)")
        let status = try #require(try JSONSerialization.jsonObject(with: Data(try lethe(["keys", "status", "--json"]).stdout.utf8)) as? [String: Any])
        #expect(status["healthy"] as? Bool == true)
        let current = [String(format: "kek-%06d.key", try #require(status["epoch"] as? Int))]
        #expect(current != ["kek-000001.key"])
        #expect(try keyDirectoryFiles(mirror) == current)
        #expect(try keyDirectoryFiles(home.appendingPathComponent("keys")) == current)
        #expect(try lethe(["report", "--format", "json"]).status == 0)
    }

    /// `keys status --json`, decoded; it exits 0 exactly when the keys are healthy.
    static func keyStatus(_ fixture: CLIFixture) throws -> [String: Any] {
        let result = try fixture.lethe(["keys", "status", "--json"])
        let status = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stderr)")
        #expect(result.status == (status["healthy"] as? Bool == true ? 0 : 1))
        return status
    }

    static func report(_ fixture: CLIFixture) throws -> (status: Int32, json: [String: Any], stderr: String) {
        let result = try fixture.lethe(["report", "--format", "json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stderr)")
        return (result.status, json, result.stderr)
    }
}
