import Foundation
import GRDB
import LetheCatalog
import LetheCore
import LetheKeys
@testable import LetheJobs
@testable import LetheReport
import LetheTestSupport
import Testing

@Suite struct ReportJobTests {

    /// One customer backed up on 1 and 2 November 2026, the clock at 2 Nov 12:00.
    static func small(customer: String = "initech-0001") throws -> ReportFixture {
        let fixture = try ReportFixture(customers: [(id: customer, files: ["a.txt": "data\n"])])
        try fixture.backup(at: "2026-11-01T02:00:00Z")
        try fixture.backup(at: "2026-11-02T02:00:00Z")
        fixture.clock.set(ReportFixture.at("2026-11-02T11:00:00Z"))
        _ = try StructureVerification(home: fixture.home()).run()
        fixture.clock.set(ReportFixture.at("2026-11-02T12:00:00Z"))
        return fixture
    }

    @Test func aRunRecordsReportGeneratedAndBecomesPartOfTheLedger() throws {
        let fixture = try Self.small()
        var delivered = ""
        let report = try ReportJob(home: fixture.home()).run(format: .csv) { delivered = $0 }
        #expect(delivered == report.csv())
        let ledger = try fixture.home().catalog.ledger()
        let event = try #require(ledger.last)
        #expect(event.kind == "report.generated" && event.at == ReportFixture.at("2026-11-02T12:00:00Z"))
        #expect(event.details["format"] == "csv" && event.details["copies"] == "4" && event.details["overdue"] == "0")
        #expect(event.details["ledger_intact"] == "true")
        #expect(event.sequence == (report.ledger.headSequence ?? 0) + 1)
        #expect(event.details["ledger_head"] == report.ledger.headSequence.map(String.init))
        #expect(event.details["ledger_head_hash"] == report.ledger.headHash && event.previousHash == report.ledger.headHash)

        // The next report sees it as the head, chained to the head the first one showed.
        let next = try ReportJob(home: fixture.home()).build()
        #expect(next.ledger.headSequence == event.sequence && next.ledger.headHash == event.hash && next.ledger.intact)
        #expect(next.summary.headline == "All copies within their delete-by dates")
        #expect(next.html().contains("<section class=\"verdict good\">"))
    }

    @Test func aFailedDeliveryRecordsNothing() throws {
        let fixture = try Self.small()
        let before = try fixture.home().catalog.ledger().count
        #expect(throws: FixtureError.self) {
            try ReportJob(home: fixture.home()).run(format: .html) { _ in throw FixtureError("disk full") }
        }
        #expect(try fixture.home().catalog.ledger().count == before)
    }

    @Test func aHostileRequestReferenceIsEscapedInHTML() throws {
        let fixture = try Self.small()
        let hostile = "<script>alert(\"x\")</script> & 'y' <img src=x onerror=alert(1)>"
        fixture.clock.set(ReportFixture.at("2026-11-02T13:00:00Z"))
        _ = try ShredJob(home: fixture.home()).run(customer: CustomerID(fixture.customerIDs[0])!, request: hostile)
        let report = try ReportJob(home: fixture.home()).build()
        #expect(report.erasures.first?.request == hostile)
        let html = report.html()
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39; &lt;img src=x onerror=alert(1)&gt;"))
        #expect(!html.contains("<script") && !html.contains("<img"))
        #expect(try RetentionReport.decode(json: Data(report.json().utf8)).erasures.first?.request == hostile)
    }

    /// A shredded copy is unreadable but its bytes are still stored: past its delete-by it keeps
    /// the state `shredded` and counts as overdue until expire deletes it.
    @Test func shreddedCopiesPastTheirDeleteByAreOverdueUntilDeleted() throws {
        let fixture = try Self.small()
        fixture.clock.set(ReportFixture.at("2026-11-02T13:00:00Z"))
        _ = try ShredJob(home: fixture.home()).run(customer: CustomerID(fixture.customerIDs[0])!, request: "R-10")
        #expect(try ReportJob(home: fixture.home()).build().summary.overdueCopies == 0)

        fixture.clock.set(ReportFixture.at("2027-07-01T00:00:00Z"))
        let report = try ReportJob(home: fixture.home()).build()
        let stored = report.copies.filter { $0.state == .shredded }
        #expect(!stored.isEmpty)
        #expect(report.summary.overdueCopies == stored.count)
        #expect(report.overdue.count == stored.count && report.overdue.allSatisfy { $0.state == .shredded && ($0.overdueSeconds ?? 0) > 0 })
        #expect(report.summary.headline.hasPrefix("\(stored.count) copies overdue;"), "then: last verified months ago")
        #expect(report.html().contains("shredded, overdue by"))
        #expect(report.csv().contains(",shredded,"))

        // Expire deletes them; then nothing is overdue.
        _ = try ExpireJob(home: fixture.home()).run()
        #expect(try ReportJob(home: fixture.home()).build().summary.overdueCopies == 0)
    }

    @Test func aBrokenLedgerIsFlaggedInEveryFormatAndTheReportIsStillRecorded() throws {
        let fixture = try Self.small()
        let catalog = fixture.homeURL.appendingPathComponent("catalog.sqlite")
        let altered: Int64 = try DatabaseQueue(path: catalog.path).write { db in
            let seq = try Int64.fetchOne(db, sql: "SELECT MIN(seq) FROM ledger WHERE kind = 'copy.written'")!
            try db.execute(sql: "UPDATE ledger SET details = replace(details, '\"local\"', '\"offsite\"') WHERE seq = ?", arguments: [seq])
            return seq
        }
        let report = try ReportJob(home: fixture.home()).run(format: .html) { _ in }
        #expect(!report.ledger.intact && report.ledger.firstBrokenEvent == altered)
        #expect(report.ledger.problem?.contains("was altered") == true)
        #expect(!report.summary.ledgerIntact && report.summary.problems.contains { $0.contains("the ledger is broken at event \(altered)") })
        let html = report.html()
        #expect(html.contains("Ledger BROKEN at event \(altered)"))
        #expect(html.contains("<span class=\"alarm\">BROKEN</span>"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        #expect((json["ledger"] as? [String: Any])?["intact"] as? Bool == false)
        #expect((json["ledger"] as? [String: Any])?["first_broken_event"] as? Int64 == altered)
        let event = try #require(try fixture.home().catalog.ledger().last)
        #expect(event.kind == "report.generated" && event.details["ledger_intact"] == "false" && event.details["first_broken"] == String(altered))
    }

    /// Rows written behind the jobs' back: a copy beyond max_age, a pending copy past its date
    /// whose upload failed. Both are flagged.
    @Test func maxAgeViolationsAndPendingCopiesPastTheirDateAreFlagged() throws {
        let fixture = try Self.small()
        let home = try fixture.home()
        let set = try #require(try home.catalog.sets().first)
        let ancient = ReportFixture.at("2026-04-01T02:00:00Z")
        let key = ObjectKey.archive(pseudonym: Pseudonym("pold"), set: set.id, archive: ArchiveID("old"))
        try home.catalog.recordCopy(CopyRecord(archiveID: ArchiveID("old"), setID: set.id, pseudonym: Pseudonym("pold"),
                                               retentionClass: .monthly, location: .local, objectKey: key, created: ancient,
                                               deleteBy: ReportFixture.at("2026-12-01T00:00:00Z"), state: .live, bytes: 10),
                                    event: LedgerEvent(kind: "test.import", at: fixture.clock.now(), details: [:]))
        let pendingKey = ObjectKey.archive(pseudonym: Pseudonym("ppend"), set: set.id, archive: ArchiveID("pend"))
        let pendingCopy = try home.catalog.recordCopy(CopyRecord(archiveID: ArchiveID("pend"), setID: set.id, pseudonym: Pseudonym("ppend"),
                                                                 retentionClass: .weekly, location: .offsite, objectKey: pendingKey, created: set.created,
                                                                 deleteBy: ReportFixture.at("2026-11-02T00:00:00Z"), state: .pending, bytes: 0),
                                                      event: LedgerEvent(kind: "test.import", at: fixture.clock.now(), details: [:]))
        try home.catalog.record(LedgerEvent(LedgerEvent.CopyUploadFailed(copy: .init(pendingCopy), error: "the store is unavailable (bucket gone)"),
                                            at: fixture.clock.now()))

        let report = try ReportJob(home: home).build()
        #expect(report.summary.maxAgeViolations == 1)
        #expect(report.summary.problems.contains { $0.contains("1 stored copy beyond max_age 190d") })
        let check = try #require(report.maxAge.first { $0.location == .local })
        #expect(check.oldest?.pseudonym == Pseudonym("pold") && check.violations == 1 && (check.marginSeconds ?? 0) < 0)
        #expect(check.latestAllowed == ReportFixture.at("2026-10-08T00:00:00Z"))
        #expect(report.html().contains("exceeded by 25 d 12 h"))

        let pending = try #require(report.overdue.first { $0.pseudonym == Pseudonym("ppend") })
        #expect(pending.state == .overdue && pending.overdueSeconds == 12 * 3_600)
        #expect(pending.lastFailure == "the store is unavailable (bucket gone)")
        #expect(report.summary.headline == "1 copy overdue")
        #expect(try Inventory(home: home).copies().first { $0.pseudonym == "ppend" }?.state == "overdue")
    }

    @Test func csvQuotesByRFC4180() {
        #expect(RetentionReport.csvField("plain") == "plain")
        #expect(RetentionReport.csvField("a,b") == "\"a,b\"")
        #expect(RetentionReport.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(RetentionReport.csvField("two\nlines") == "\"two\nlines\"")
        #expect(RetentionReport.csvField("cr\r\nlf") == "\"cr\r\nlf\"")
        #expect(RetentionReport.days(0) == "0.00" && RetentionReport.days(3_600) == "0.04" && RetentionReport.days(86_400 * 3 / 2) == "1.50")
    }

    @Test func writeReplacesTheFileAtomicallyAndLeavesNoTemporary() throws {
        let folder = try TemporaryDirectory(prefix: "lethe-report-write")
        let target = folder.url.appendingPathComponent("report.html")
        try ReportJob.write("first", to: target)
        try ReportJob.write("second", to: target)
        #expect(try String(contentsOf: target, encoding: .utf8) == "second")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path) == ["report.html"])
        let missing = folder.url.appendingPathComponent("no-such-folder/report.html")
        #expect(throws: DurableFileError.self) { try ReportJob.write("x", to: missing) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path) == ["report.html"])
    }

    /// A shred whose rotation was recorded `complete: no` (the old KEK survived in a key directory
    /// that went away mid-rotation) is not "followed by a rotation": the report flags it until a
    /// later complete rotation, which then counts.
    @Test func anIncompleteRotationDoesNotCountUntilACompleteOneFollows() throws {
        let fixture = try ReportFixture(customers: [(id: "initech-0001", files: ["a.txt": "data\n"])], keyMirror: true)
        try fixture.backup(at: "2026-11-01T02:00:00Z")
        fixture.clock.set(ReportFixture.at("2026-11-01T09:00:00Z"))
        let home = try fixture.home()
        let now = fixture.clock.now()
        let away = fixture.root.url.appendingPathComponent("vault-unplugged")
        let outcome = try home.keys.markShredded(CustomerID("initech-0001")!, request: "REQ-3", now: now)
        let pending = PendingShred(pseudonym: try #require(outcome.pseudonym), destroyedKeyID: try #require(outcome.destroyedKeyID),
                                   shreddedAt: outcome.shreddedAt, request: outcome.request)
        // The mirror is unplugged right after the new epoch commits: the old key file survives there.
        let maintenance = KeyMaintenance(home: home) { step in
            if step == "after-rotate-commit" { try? FileManager.default.moveItem(at: fixture.mirror, to: away) }
        }
        _ = try maintenance.recordShred(pending, now: now)
        let rotation = try maintenance.rotate(reason: "shred", now: now)
        #expect(!rotation.uncleanDirectories.isEmpty)
        try FileManager.default.moveItem(at: away, to: fixture.mirror)
        let event = try #require(try home.catalog.latestEvent(kind: "keys.rotated"))
        #expect(event.details["complete"] == "no")

        fixture.clock.set(ReportFixture.at("2026-11-01T10:00:00Z"))
        let flagged = try ReportJob(home: fixture.home()).build()
        let erasure = try #require(flagged.erasures.first)
        #expect(erasure.kekRotation?.complete == false)
        #expect(flagged.summary.problems.contains { $0.contains("the shred of \(pending.pseudonym.rawValue) is not followed by a complete key-encryption-key rotation") },
                "\(flagged.summary.problems)")
        #expect(flagged.summary.unfinishedShred)
        #expect(flagged.copies.allSatisfy { $0.unfinishedShred == .rotationOwed })

        fixture.clock.set(ReportFixture.at("2026-11-01T11:00:00Z"))
        let rotated = try KeysJob(home: fixture.home()).rotate()
        #expect(rotated.complete)
        _ = try StructureVerification(home: fixture.home()).run()
        let clean = try ReportJob(home: fixture.home()).build()
        #expect(clean.erasures.first?.kekRotation?.complete == true)
        #expect(clean.erasures.first?.kekRotation?.toEpoch == rotated.rotation?.toEpoch)
        #expect(clean.summary.problems.isEmpty && !clean.summary.unfinishedShred, "\(clean.summary.problems)")
        #expect(clean.copies.allSatisfy { $0.unfinishedShred == nil })
        #expect(!clean.html().contains("not rotated yet") && !clean.html().contains("old key not yet destroyed everywhere"))
    }
}
