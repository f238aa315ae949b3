import Foundation
import LetheCatalog
import LetheCore
import LetheJobs
import LetheKeys
import LetheStore
import LetheTestSupport
import Testing

/// The expire run under the default policy (UTC; local daily 7d, weekly 5w, monthly 6m).
///
/// Three nights are written: 1 November 2026 (a Sunday, the first set: monthly), the 2nd (a
/// Monday: weekly) and the 3rd (daily, delete-by 10 November). At 10 November 02:00 the daily
/// set's two copies are due and the others are not.
@Suite struct ExpireJobTests {
    static func at(_ text: String) -> Date { Timestamp.parse(text)! }
    static let dueDate = at("2026-11-10T00:00:00Z")
    static let expiryNight = at("2026-11-10T02:00:00Z")

    /// A home with three sets for two customers; returns the daily set's id.
    static func threeNights() throws -> (JobFixture, SetID) {
        let fixture = try JobFixture(customers: ["c1": ["a.txt": Array("one".utf8)], "c2": ["b.txt": Array("two".utf8)]],
                                     now: at("2026-11-01T00:00:00Z"))
        var daily: SetID?
        for day in ["01", "02", "03"] {
            fixture.clock.set(at("2026-11-\(day)T02:00:00Z"))
            let outcome = try BackupJob(home: fixture.home()).run()
            #expect(outcome.state == .complete)
            daily = outcome.set
        }
        fixture.clock.set(expiryNight)
        return (fixture, daily!)
    }

    static func events(_ home: Home, _ kind: LedgerEvent.Kind) throws -> [LedgerEvent] {
        try home.catalog.ledger().filter { $0.kind == kind }
    }

    @Test func dueCopiesAreDeletedConfirmedAndMarked() throws {
        let (fixture, daily) = try Self.threeNights()
        let home = try fixture.home()
        let due = try home.catalog.copies(set: daily)
        #expect(due.count == 2 && due.allSatisfy { $0.deleteBy == Self.dueDate })

        let outcome = try ExpireJob(home: home).run()
        #expect(outcome.state == .complete)
        #expect(outcome.count(.deleted) == 2 && outcome.count(.kept) == 4 && outcome.count(.failed) == 0)
        #expect(outcome.destroyedKeyDates == [Self.dueDate])
        #expect(outcome.plan.decisions.filter { $0.action == .delete }.map(\.copyID).sorted() == due.map(\.id).sorted())

        // Gone from the store; the rows stay, marked deleted; the others are untouched.
        let all = try home.catalog.copies()
        #expect(all.count == 6)
        for copy in all {
            let present = FileManager.default.fileExists(atPath: fixture.store.appendingPathComponent(copy.objectKey.rawValue).path)
            #expect(present == (copy.setID != daily))
            #expect(copy.state == (copy.setID == daily ? .deleted : .live))
        }
        #expect(try Inventory(home: home).copies().filter { $0.set == daily.rawValue }.map(\.state) == ["deleted", "deleted"])

        // The ledger says what was deleted and why, and which keys were destroyed.
        let deleted = try Self.events(home, "copy.deleted")
        #expect(deleted.count == 2)
        for event in deleted {
            #expect(event.details["set"] == daily.rawValue)
            #expect(event.details["reasons"]?.contains("daily copy, local keeps daily for 7d") == true)
            #expect(event.details["reasons"]?.contains("delete-by 2026-11-10 has passed") == true)
        }
        #expect(try Self.events(home, "keys.expiry_destroyed").map { $0.details["delete_by"] } == ["2026-11-10T00:00:00Z"])
        #expect(try Self.events(home, "expire.finished").last?.details["state"] == "complete")
        #expect(try home.catalog.verifyLedger().isIntact)

        // The expiry key is gone: the date's copies are unreadable anywhere they might remain.
        #expect(throws: KeyStoreError.self) { try home.keys.expiryKey(deleteBy: Self.dueDate) }
        let target = fixture.root.url.appendingPathComponent("restored")
        #expect(throws: JobError.self) {
            try RestoreJob(home: home).run(customer: CustomerID("c1")!, set: daily, from: nil, to: target)
        }
        #expect(!FileManager.default.fileExists(atPath: target.path))

        // A second run finds nothing more to do.
        let again = try ExpireJob(home: fixture.home()).run()
        #expect(again.state == .complete && again.count(.deleted) == 0 && again.destroyedKeyDates.isEmpty)
    }

    @Test func aStoreThatRefusesDeletionLeavesTheCopyOverdueUntilTheNextRun() throws {
        let (fixture, daily) = try Self.threeNights()
        let faulty = FaultyObjectStore(wrapping: LocalDirectoryStore(root: fixture.store))
        faulty.isDown = true
        let home = try fixture.home(localStore: faulty)

        let outcome = try ExpireJob(home: home).run()
        #expect(outcome.state == .partial)
        #expect(outcome.count(.failed) == 2 && outcome.count(.deleted) == 0)
        #expect(outcome.results.filter { $0.status == .failed }.allSatisfy { $0.message?.contains("unavailable") == true })
        // Still stored, still live in the catalog: shown overdue.
        let rows = try home.catalog.copies(set: daily)
        #expect(rows.allSatisfy { $0.state == .live })
        #expect(rows.allSatisfy { FileManager.default.fileExists(atPath: fixture.store.appendingPathComponent($0.objectKey.rawValue).path) })
        #expect(try Inventory(home: home).copies().filter { $0.set == daily.rawValue }.map(\.state) == ["overdue", "overdue"])
        let failures = try Self.events(home, "copy.delete_failed")
        #expect(failures.count == 2 && failures.allSatisfy { $0.details["error"]?.contains("unavailable") == true })
        #expect(try Self.events(home, "expire.finished").last?.details["state"] == "partial")

        // Cryptographically expired all the same: the stored bytes cannot be read any more.
        let target = fixture.root.url.appendingPathComponent("restored")
        do {
            faulty.isDown = false
            _ = try RestoreJob(home: home).run(customer: CustomerID("c1")!, set: daily, from: nil, to: target)
            Issue.record("an expired copy was restored")
        } catch let error as JobError {
            #expect("\(error)".contains("expiry key was destroyed"), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: target.path))

        // Next night: one copy is still locked, the other goes.
        fixture.clock.set(Self.expiryNight.addingTimeInterval(86_400))
        faulty.failNext(1, with: .objectLocked(rows[0].objectKey, until: Self.at("2026-12-01T00:00:00Z")))
        let second = try ExpireJob(home: home).run()
        #expect(second.state == .partial && second.count(.failed) == 1 && second.count(.deleted) == 1)
        #expect(second.results.first { $0.status == .failed }?.message?.contains("locked") == true)
        #expect(try home.catalog.copies(set: daily).map(\.state).sorted { $0.rawValue < $1.rawValue } == [.deleted, .live])

        // The night after, the store lets it go: complete.
        fixture.clock.set(Self.expiryNight.addingTimeInterval(2 * 86_400))
        let third = try ExpireJob(home: home).run()
        #expect(third.state == .complete && third.count(.deleted) == 1)
        #expect(try home.catalog.copies(set: daily).allSatisfy { $0.state == .deleted })
        #expect(try home.localStore.list(prefix: "archives/").count == 4)
    }

    @Test func aCopyAlreadyGoneFromTheStoreIsMarkedWithANote() throws {
        // A run that died after deleting but before recording leaves this state behind.
        let (fixture, daily) = try Self.threeNights()
        let home = try fixture.home()
        let row = try home.catalog.copies(set: daily)[0]
        try home.localStore.delete(row.objectKey, versionID: nil)
        let outcome = try ExpireJob(home: home).run()
        #expect(outcome.state == .complete && outcome.count(.deleted) == 2)
        #expect(outcome.results.first { $0.copyID == row.id }?.message?.contains("already gone") == true)
        #expect(try home.catalog.copies(set: daily).allSatisfy { $0.state == .deleted })
    }

    @Test func dryRunChangesNothing() throws {
        let (fixture, daily) = try Self.threeNights()
        func snapshot() throws -> ([CopyRecord], [LedgerEvent], [String: Data]) {
            let home = try fixture.home()
            var files: [String: Data] = [:]
            // The archives and the ledger-head marker (`.lethe-head`, recorded by each backup).
            for file in fixture.homeFiles() where file.path.hasPrefix(fixture.store.path) {
                files[file.path] = try Data(contentsOf: file)
            }
            return (try home.catalog.copies(), try home.catalog.ledger(), files)
        }
        let before = try snapshot()
        let plan = try ExpireJob(home: fixture.home()).plan()
        #expect(plan.count(.delete) == 2 && plan.count(.keep) == 4)
        #expect(plan.decisions.filter { $0.action == .delete }.allSatisfy { $0.setID == daily })
        #expect(plan.expiredKeyDates == [Self.dueDate])
        let after = try snapshot()
        #expect(before.0 == after.0)
        #expect(before.1 == after.1)
        #expect(before.2 == after.2 && before.2.count == 7)
        _ = try fixture.home().keys.expiryKey(deleteBy: Self.dueDate) // still there
        // The real run then applies exactly that plan.
        let outcome = try ExpireJob(home: fixture.home()).run()
        #expect(outcome.plan == plan)
    }

    @Test func aClockSetBackIsRefused() throws {
        let (fixture, _) = try Self.threeNights()
        let home = try fixture.home()
        let ledger = try home.catalog.ledger()
        fixture.clock.set(Self.at("2026-11-02T02:00:00Z"))
        for attempt in [{ _ = try ExpireJob(home: home).run() }, { _ = try ExpireJob(home: home).plan() }] {
            do {
                try attempt()
                Issue.record("a clock earlier than the last run was accepted")
            } catch JobError.clockWentBack(let now, let last) {
                #expect(now == Self.at("2026-11-02T02:00:00Z") && last == Self.at("2026-11-03T02:00:00Z"))
            }
        }
        #expect(try home.catalog.ledger() == ledger)
        #expect(try home.catalog.copies().allSatisfy { $0.state == .live })
    }

    @Test func pendingCopiesPastTheirDateAreCancelledAndMissingStoresReported() throws {
        let (fixture, daily) = try Self.threeNights()
        let home = try fixture.home()
        let local = try home.catalog.copies(set: daily)[0]
        func offsite(_ state: CopyState) -> CopyRecord {
            CopyRecord(archiveID: ArchiveID.random(), setID: daily, pseudonym: local.pseudonym, retentionClass: .daily,
                       location: .offsite, objectKey: local.objectKey, created: local.created, deleteBy: Self.dueDate,
                       state: state, bytes: 0)
        }
        let pending = try home.catalog.recordCopy(offsite(.pending), event: LedgerEvent(kind: "copy.planned", at: local.created, details: [:]))
        let stored = try home.catalog.recordCopy(offsite(.live), event: LedgerEvent(kind: "copy.written", at: local.created, details: [:]))

        let outcome = try ExpireJob(home: home).run()
        #expect(outcome.results.first { $0.copyID == pending.id }?.status == .cancelled)
        #expect(try home.catalog.copies(location: .offsite).first { $0.id == pending.id }?.state == .deleted)
        let cancelled = try Self.events(home, "copy.cancelled")
        #expect(cancelled.count == 1 && cancelled[0].details["result"]?.contains("never uploaded") == true)
        // This home has no offsite store: the live offsite copy cannot be deleted, and says why.
        let failure = outcome.results.first { $0.copyID == stored.id }
        #expect(failure?.status == .failed && failure?.message?.contains("no offsite store") == true)
        #expect(outcome.state == .partial)
    }
}
