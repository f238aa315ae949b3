import Foundation
import LethePolicy
import LetheTestSupport
import Testing

/// `lethe expire`, `lethe nightly` and `lethe verify --ledger` through the real binary.
@Suite struct ExpireCommandTests {
    /// A home with nightly sets on 1, 2 and 3 November 2026 (monthly, weekly, daily under the
    /// default policy), and the clock at 10 November 02:00, when the daily set is due.
    static func threeNights() throws -> CLIFixture {
        let fixture = try CLIFixture(customers: ["alice": ["a.txt": Array("alice".utf8)], "bob": ["b.txt": Array("bob".utf8)]])
        for day in ["01", "02", "03"] {
            fixture.environment["LETHE_NOW"] = "2026-11-\(day)T02:00:00Z"
            try fixture.succeed(["backup"])
        }
        fixture.environment["LETHE_NOW"] = "2026-11-10T02:00:00Z"
        return fixture
    }

    /// Every file of the store, with its bytes.
    static func storeFiles(_ fixture: CLIFixture) throws -> [String: Data] {
        var files: [String: Data] = [:]
        // The archives, and the ledger-head marker (`.lethe-head`) the runs record beside them.
        for file in regularFiles(under: fixture.store) where file.lastPathComponent != ".lethe-head" {
            files[file.path] = try Data(contentsOf: file)
        }
        return files
    }

    @Test func dryRunPrintsThePlannersTextAndChangesNothing() throws {
        let fixture = try Self.threeNights()
        let listing = try fixture.succeed(["list", "archives", "--json"])
        let files = try Self.storeFiles(fixture)

        let text = try fixture.succeed(["expire", "--dry-run"])
        let json = try fixture.succeed(["expire", "--dry-run", "--json"])
        // The same plan, printed exactly as the planner renders it (its format is pinned by the
        // golden files in LethePolicyTests).
        let plan = try JSONDecoder().decode(RetentionPlan.self, from: Data(json.utf8))
        #expect(text == plan.text)
        #expect(json == plan.json())
        #expect(plan.count(.delete) == 2 && plan.count(.keep) == 4)
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("delete ") }.count == 2)
        #expect(text.hasSuffix("expiry keys to destroy (delete-by passed): 2026-11-10T00:00:00Z\n"))

        #expect(try fixture.succeed(["list", "archives", "--json"]) == listing)
        #expect(try Self.storeFiles(fixture) == files)

        // The real run applies that plan.
        let run = try fixture.lethe(["expire", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let outcome = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        #expect(outcome?["state"] as? String == "complete")
        let applied = try JSONSerialization.data(withJSONObject: outcome?["plan"] ?? [:])
        #expect(try JSONDecoder().decode(RetentionPlan.self, from: applied) == plan)
        #expect(try Self.storeFiles(fixture).count == 4)
        #expect(try fixture.copies().filter { $0["state"] as? String == "deleted" }.count == 2)
    }

    @Test func nightlyBacksUpThenExpires() throws {
        let fixture = try Self.threeNights()
        fixture.environment["LETHE_NOW"] = "2026-11-10T02:00:00Z"
        let result = try fixture.lethe(["nightly", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let outcome = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let backup = outcome?["backup"] as? [String: Any]
        let expire = outcome?["expire"] as? [String: Any]
        #expect(backup?["state"] as? String == "complete")
        #expect(expire?["state"] as? String == "complete")
        #expect((expire?["results"] as? [[String: Any]])?.filter { $0["status"] as? String == "deleted" }.count == 2)
        let states = try fixture.copies().map { $0["state"] as? String ?? "" }
        #expect(states.sorted() == ["deleted", "deleted", "live", "live", "live", "live", "live", "live"])
    }

    /// Expiry rotates the KEK like a shred; while another shred or rotation holds the keys lock
    /// the run is partial (exit 2) and says the rotation is owed; the next run rotates.
    @Test func expiryRotatesTheKEKOrSaysItIsOwed() throws {
        let fixture = try Self.threeNights()
        let lockFile = open(fixture.home.appendingPathComponent("keys.lock").path, O_RDWR | O_CREAT, 0o600)
        #expect(flock(lockFile, LOCK_EX | LOCK_NB) == 0)
        let held = try fixture.lethe(["expire"])
        #expect(held.status == 2, "\(held.stderr)")
        #expect(held.stdout.contains("ROTATION OWED"))
        close(lockFile)

        fixture.environment["LETHE_NOW"] = "2026-11-10T03:00:00Z"
        let next = try fixture.lethe(["expire", "--json"])
        #expect(next.status == 0, "\(next.stderr)")
        let outcome = try #require(try JSONSerialization.jsonObject(with: Data(next.stdout.utf8)) as? [String: Any])
        let rotation = try #require((outcome["rotation"] as? [String: Any])?["rotation"] as? [String: Any])
        #expect(rotation["from_epoch"] as? Int == 1 && rotation["to_epoch"] as? Int == 2)
        #expect(outcome["rotation_owed"] == nil)
    }

    @Test func aClockSetBackIsRefused() throws {
        let fixture = try Self.threeNights()
        fixture.environment["LETHE_NOW"] = "2026-11-02T12:00:00Z"
        let listing = try fixture.succeed(["list", "archives", "--json"])
        for command in [["expire"], ["expire", "--dry-run"], ["nightly"]] {
            let result = try fixture.lethe(command)
            #expect(result.status == 1, "\(command)")
            #expect(result.stderr.contains("earlier than the last recorded run at 2026-11-03T02:00:00Z"), "\(result.stderr)")
        }
        #expect(try fixture.succeed(["list", "archives", "--json"]) == listing)
    }

    @Test func verifyLedgerFindsATamperedEvent() throws {
        let fixture = try Self.threeNights()
        let intact = try fixture.lethe(["verify", "--ledger"])
        #expect(intact.status == 0, "\(intact.stderr)")
        #expect(intact.stdout.hasPrefix("ledger intact: "))

        // Re-date one copy in the ledger behind Lethe's back.
        let catalog = fixture.home.appendingPathComponent("catalog.sqlite").path
        let script = """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            seq = db.execute("SELECT MIN(seq) FROM ledger WHERE kind = 'copy.written'").fetchone()[0]
            db.execute("UPDATE ledger SET details = replace(details, 'local', 'offsite') WHERE seq = ?", (seq,))
            db.commit()
            print(seq)
            """
        let tamper = Process()
        tamper.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        tamper.arguments = ["python3", "-c", script, catalog]
        let output = Pipe()
        tamper.standardOutput = output
        try tamper.run()
        let sequence = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        tamper.waitUntilExit()
        #expect(tamper.terminationStatus == 0 && Int(sequence) != nil)

        let broken = try fixture.lethe(["verify", "--ledger"])
        #expect(broken.status == 3)
        #expect(broken.stderr.contains("the ledger is broken at event \(sequence) of"), "\(broken.stderr)")
        #expect(broken.stderr.contains("was altered"))
        let json = try fixture.lethe(["verify", "--ledger", "--json"])
        #expect(json.status == 3)
        let result = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((result?["first_broken_sequence"] as? Int).map(String.init) == sequence)

        #expect(try fixture.lethe(["verify", "--ledger", "--copies"]).status == 64)
    }
}
