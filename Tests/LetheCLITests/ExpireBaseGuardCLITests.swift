import Foundation
import LetheCore
import LetheTestSupport
import Testing

/// The expire run's base guard through the real binary: a catalog whose base row says its
/// delete-by passed (moved earlier with `sqlite3`, as a hand edit or damage would) while a
/// differential against it at the same location is kept. `expire --dry-run` shows the base as
/// `hold` with its reason; `expire` keeps it, says why, and exits 2; with the row repaired (its
/// date put back), the dependant restores from that location.
@Suite(.serialized) struct ExpireBaseGuardCLITests {
    /// The night the expire runs, after the edited date (5 November) and before the daily's own.
    static let expiryNight = "2026-11-06T02:00:00Z"

    /// Moves the `delete_by` of the monthly's copy at `location` to 5 November (1793836800).
    static func editMonthly(_ fixture: CLIFixture, location: String) throws -> [String: Any] {
        let monthly = try #require(try fixture.copies(customer: "alice")
            .first { $0["class"] as? String == "monthly" && $0["location"] as? String == location })
        try setDeleteBy(fixture, of: monthly, to: 1_793_836_800)
        return monthly
    }

    /// Sets the `delete_by` (seconds since 1970) of `copy`'s row, behind Lethe's back.
    static func setDeleteBy(_ fixture: CLIFixture, of copy: [String: Any], to seconds: Int64) throws {
        let archive = try #require(copy["archive"] as? String), location = try #require(copy["location"] as? String)
        let edited = try LetheProcess.tool(["sqlite3", fixture.home.appendingPathComponent("catalog.sqlite").path,
                                            "UPDATE copies SET delete_by = \(seconds) WHERE archive_id = '\(archive)' AND location = '\(location)'"])
        #expect(edited.status == 0, "\(edited.output)")
    }

    /// The dry run's line for the held copy, the real run's exit 2 and output, the copy still
    /// listed (overdue), the dependant restored from `location`.
    static func expectHeld(_ fixture: CLIFixture, location: String, monthly: [String: Any], dependantSet: String) throws {
        fixture.environment["LETHE_NOW"] = expiryNight
        let set = try #require(monthly["set"] as? String)
        let plan = try fixture.succeed(["expire", "--dry-run"])
        let line = try #require(plan.split(separator: "\n").first { $0.contains(set) && $0.contains(" \(location) ") }, "\(plan)")
        #expect(line.hasPrefix("hold "), "\(line)")
        #expect(line.contains("a differential against it"), "\(line)")
        let json = try fixture.succeed(["expire", "--dry-run", "--json"])
        #expect(json.contains("\"action\" : \"hold\"") && json.contains("\"rule\" : \"held-for-dependant\""), "\(json)")

        let run = try fixture.lethe(["expire"])
        #expect(run.status == 2, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("held: ") && run.stdout.contains(set), "\(run.stdout)")
        #expect(run.stderr.contains("expire.copy.held"), "\(run.stderr)")
        let listed = try #require(try fixture.copies(customer: "alice").first { $0["archive"] as? String == monthly["archive"] as? String
                                                                               && $0["location"] as? String == location })
        #expect(listed["state"] as? String == "overdue")

        // The row repaired: the held base is what the dependant needs.
        let original = try #require(Timestamp.parse(monthly["delete_by"] as? String ?? ""))
        try setDeleteBy(fixture, of: monthly, to: Int64(original.timeIntervalSince1970))
        let target = fixture.root.url.appendingPathComponent("restored-\(location)")
        try fixture.succeed(["restore", "--customer", "alice", "--set", dependantSet, "--from", location, "--to", target.path])
        #expect(FileManager.default.fileExists(atPath: target.appendingPathComponent("papers/big.bin").path))
    }

    @Test func aBaseWithAKeptDependantIsHeldInTheLocalStore() throws {
        let (fixture, _) = try DifferentialCLITests.threeNights()
        let monthly = try Self.editMonthly(fixture, location: "local")
        let daily = try #require(try DifferentialCLITests.localCopies(fixture).last?["set"] as? String)
        try Self.expectHeld(fixture, location: "local", monthly: monthly, dependantSet: daily)
        #expect(FileManager.default.fileExists(atPath: fixture.store.appendingPathComponent(monthly["object_key"] as? String ?? "").path))
    }

    @Test func aBaseWithAKeptDependantIsHeldInTheOffsiteStore() async throws {
        let endpoint = try OffsiteCLITests.s3Endpoint()
        let bucket = "lethe-hold-" + UUID().uuidString.lowercased().prefix(13)
        _ = try await OffsiteCLITests.s3(endpoint, "PUT", "/\(bucket)", headers: ["x-amz-bucket-object-lock-enabled": "true"])
        let (fixture, _) = try DifferentialCLITests.threeNights { fixture in
            fixture.environment["AWS_ACCESS_KEY_ID"] = "lethe-test"
            fixture.environment["AWS_SECRET_ACCESS_KEY"] = "lethe-test-secret"
            try OffsiteCLITests.setOffsite(fixture, endpoint: endpoint, bucket: String(bucket))
            // Without the lock: a copy locked until its real delete-by could not be deleted anyway.
            let policy = fixture.home.appendingPathComponent("policy.yaml")
            let unlocked = try String(contentsOf: policy, encoding: .utf8).replacingOccurrences(of: "object_lock: governance", with: "object_lock: none")
            try Data(unlocked.utf8).write(to: policy)
        }
        let weekly = try #require(try OffsiteCLITests.offsiteCopies(fixture).first { $0["class"] as? String == "weekly" })
        #expect(weekly["base"] is String && weekly["state"] as? String == "live")
        let monthly = try Self.editMonthly(fixture, location: "offsite")
        // The weekly's restore from offsite reads the held monthly there: still stored.
        try Self.expectHeld(fixture, location: "offsite", monthly: monthly, dependantSet: try #require(weekly["set"] as? String))
    }
}
