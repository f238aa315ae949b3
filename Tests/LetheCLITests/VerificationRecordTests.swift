import Foundation
import LetheTestSupport
import Testing

/// `verify`, `list` and the report agree after damage (issue 12, finding 11): what `verify` finds
/// is recorded per copy, `list archives` shows it, and the report carries the last verification,
/// its result and its age.
@Suite struct VerificationRecordTests {
    /// A home with one customer backed up on 1 November 2026; the clock on 2 November.
    static func home() throws -> CLIFixture {
        let fixture = try CLIFixture(customers: ["alice": ["a.txt": Array("alice".utf8)]])
        fixture.environment["LETHE_NOW"] = "2026-11-01T02:00:00Z"
        try fixture.succeed(["backup"])
        fixture.environment["LETHE_NOW"] = "2026-11-02T00:00:00Z"
        return fixture
    }

    /// The report's `summary` and `verification`, from `report --format json`.
    static func report(_ fixture: CLIFixture) throws -> (summary: [String: Any], verification: [String: Any]) {
        let text = try fixture.succeed(["report", "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        return (try #require(object["summary"] as? [String: Any]), try #require(object["verification"] as? [String: Any]))
    }

    @Test func anArchiveDeletedByHandIsShownMissingUntilAVerifyFindsItBack() throws {
        let fixture = try Self.home()
        let clean = try fixture.lethe(["verify"])
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(try Self.report(fixture).summary["ok"] as? Bool == true)

        let archive = try fixture.archiveFile(customer: "alice")
        let aside = fixture.root.url.appendingPathComponent("aside.lethe")
        try FileManager.default.moveItem(at: archive, to: aside)
        fixture.environment["LETHE_NOW"] = "2026-11-02T01:00:00Z"
        let damaged = try fixture.lethe(["verify"])
        #expect(damaged.status == 3, "\(damaged.stderr)")
        #expect(damaged.stdout.contains("disagree") && !damaged.stdout.contains("they agree"), "\(damaged.stdout)")

        let copy = try #require(try fixture.copies(customer: "alice").first)
        #expect(copy["finding"] as? String == "missing")
        #expect(copy["found"] as? String == "2026-11-02T01:00:00Z")
        #expect(try fixture.succeed(["list", "archives"]).contains("missing"))

        let (summary, verification) = try Self.report(fixture)
        #expect(summary["ok"] as? Bool == false)
        #expect((summary["headline"] as? String)?.contains("verify") == true, "\(summary)")
        let structure = try #require(verification["structure"] as? [String: Any])
        #expect(structure["findings"] as? Int == 1 && structure["at"] as? String == "2026-11-02T01:00:00Z")
        #expect(verification["copies_with_findings"] as? Int == 1)
        let entry = try #require((try JSONSerialization.jsonObject(with: Data(try fixture.succeed(["report", "--format", "json"]).utf8))
            as? [String: Any])?["copies"] as? [[String: Any]])
        #expect(entry.first?["finding"] as? String == "missing")

        // The copy is back: the next verify finds it whole and clears the mark.
        try FileManager.default.moveItem(at: aside, to: archive)
        fixture.environment["LETHE_NOW"] = "2026-11-02T02:00:00Z"
        let again = try fixture.lethe(["verify"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try fixture.copies(customer: "alice").first?["finding"] == nil || (try fixture.copies(customer: "alice").first?["finding"] is NSNull))
        #expect(try Self.report(fixture).summary["ok"] as? Bool == true)
    }

    /// A copy marked missing that the expire run then deletes no longer shows the mark.
    @Test func aMarkedCopyThatExpiresLosesItsMark() throws {
        let fixture = try Self.home()
        for day in ["03", "04"] {  // the weekly set of 3 November, the daily of the 4th (due on the 11th)
            fixture.environment["LETHE_NOW"] = "2026-11-\(day)T02:00:00Z"
            try fixture.succeed(["backup"])
        }
        let daily = try #require(try fixture.copies().first { $0["class"] as? String == "daily" })
        try FileManager.default.removeItem(at: fixture.store.appendingPathComponent(try #require(daily["object_key"] as? String)))
        #expect(try fixture.lethe(["verify"]).status == 3)
        #expect(try fixture.copies().first { $0["class"] as? String == "daily" }?["finding"] as? String == "missing")
        fixture.environment["LETHE_NOW"] = "2026-11-11T12:00:00Z"
        try fixture.succeed(["expire"])
        let expired = try #require(try fixture.copies().first { $0["class"] as? String == "daily" })
        #expect(expired["state"] as? String == "deleted")
        #expect(expired["finding"] == nil || expired["finding"] is NSNull)
    }

    /// No verification ever recorded, or the last one older than the threshold: the verdict is
    /// not green, and says to run `lethe verify`.
    @Test func aHomeNeverOrLongAgoVerifiedIsNotGreen() throws {
        let fixture = try Self.home()
        let (never, neverVerification) = try Self.report(fixture)
        #expect(never["ok"] as? Bool == false)
        #expect((never["headline"] as? String)?.contains("lethe verify") == true, "\(never)")
        #expect(neverVerification["structure"] == nil || neverVerification["structure"] is NSNull)

        try fixture.succeed(["verify"])
        #expect(try Self.report(fixture).summary["ok"] as? Bool == true)
        fixture.environment["LETHE_NOW"] = "2026-11-10T00:00:01Z"  // 8 days and a second after the verify
        let (stale, staleVerification) = try Self.report(fixture)
        #expect(stale["ok"] as? Bool == false)
        #expect((stale["headline"] as? String)?.contains("lethe verify") == true, "\(stale)")
        #expect(staleVerification["age_seconds"] as? Int == 8 * 86_400 + 1)
    }

    /// The verdict comes first and the counts say what they count: catalogued copies include
    /// deleted ones, so "N catalogued copies against M stored objects: they agree" never appears.
    @Test func theStructureLineNeverReadsAsAContradiction() throws {
        let fixture = try Self.home()
        for day in ["03", "04"] {
            fixture.environment["LETHE_NOW"] = "2026-11-\(day)T02:00:00Z"
            try fixture.succeed(["backup"])
        }
        fixture.environment["LETHE_NOW"] = "2026-11-11T12:00:00Z"
        try fixture.succeed(["expire"])  // the daily copy is deleted: 3 catalogued, 2 stored
        let line = try fixture.succeed(["verify"])
        #expect(line.hasPrefix("catalog and stores agree: every copy catalogued as stored is there at its recorded size (2 copies), and every stored object is catalogued (2 objects)"), "\(line)")
        #expect(line.contains("3 catalogued copies in all"), "\(line)")
    }
}
