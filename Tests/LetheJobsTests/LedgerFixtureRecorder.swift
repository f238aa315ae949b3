import Foundation
import GRDB
import LetheCatalog
import LetheCore
@testable import LetheJobs
import LetheTar
import LetheTestSupport
import Testing

/// Writes `Tests/LetheCatalogTests/Fixtures/ledger-every-kind.sqlite`: a catalog whose ledger
/// holds every event kind Lethe writes, each written by the jobs' own code, so that
/// `LedgerFixtureTests` can show that a ledger written by an earlier version still verifies and
/// decodes. Runs only when asked: `LETHE_RECORD_LEDGER_FIXTURE=1 swift test --skip-build
/// --filter LedgerFixtureRecorder`.
///
/// Most events come from real runs (backup with an offsite store, export, shred, escrow,
/// recovery, rotation with the offsite witness owed, expire, verification, report). Events
/// that need a fault or a race are built by the writers' own helpers (`OffsiteCopier.event`,
/// `ExpireJob.event`) with the extras their call sites add; the few left (a local copy
/// discarded by a shred race, aborted multipart uploads, the legacy `keys.escrowed`, the
/// benchmark's `bench.copies`) are recorded with the details their writers build.
@Suite struct LedgerFixtureRecorder {
    static var fixtureFile: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("LetheCatalogTests/Fixtures/ledger-every-kind.sqlite")
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["LETHE_RECORD_LEDGER_FIXTURE"] == "1"))
    func recordALedgerOfEveryKind() throws {
        let fixture = try JobFixture(customers: [
            "alice": ["a.txt": Array("alice".utf8)],
            "bob": ["b.txt": Array("bob".utf8)],
            "carol": ["docs/c.txt": Array("carol".utf8)],
        ])
        // carol's folder under a second name: backup.alias_refused.
        try FileManager.default.createSymbolicLink(atPath: fixture.source.appendingPathComponent("carol-docs").path,
                                                   withDestinationPath: "carol/docs")
        let offsite = InMemoryObjectStore(location: .offsite, clock: fixture.clock, lockMode: .governance)
        func home() throws -> Home { try fixture.home(offsiteStore: offsite) }
        func at(_ text: String) { fixture.clock.set(Timestamp.parse(text)!) }

        // Monday 2 November 2026: the monthly set, copied offsite.
        _ = try BackupJob(home: home()).run()
        at("2026-11-03T02:00:00Z")
        _ = try BackupJob(home: home()).run()

        at("2026-11-03T09:00:00Z")
        _ = try ExportJob(home: home()).run(customer: CustomerID("bob")!, set: nil, to: fixture.root.url.appendingPathComponent("bob.tar"),
                                            format: .tar)
        _ = try ShredJob(home: home()).run(customer: CustomerID("alice")!, request: "REQ-1")
        _ = try ShredJob(home: home()).run(customer: CustomerID("zed")!, request: "REQ-2", notYetBackedUp: true)

        at("2026-11-03T10:00:00Z")
        let escrow = try KeysJob(home: home()).escrow()
        try KeysJob(home: home()).recordRawEscrowDestroyed(epoch: escrow.epoch)
        try FileManager.default.removeItem(at: fixture.homeURL.appendingPathComponent("keys"))
        _ = try KeyRecovery.recover(home: fixture.homeURL, source: .raw(escrow), acceptEpoch: escrow.epoch, clock: fixture.clock,
                                    log: EventLog(style: .silent))

        // A rotation while the offsite store is down owes the witness; the next run catches it up.
        at("2026-11-03T11:00:00Z")
        let down = try home()
        down.offsiteDown.set("the offsite store is unavailable (test)")
        _ = try KeysJob(home: down).rotate()

        // A set left running by a run that died: the next run closes it (set.abandoned).
        let dead = SetID("20261103T120000Z-dead")
        try home().catalog.beginSet(SetRecord(id: dead, created: Timestamp.parse("2026-11-03T12:00:00Z")!, retentionClass: .daily,
                                              state: .running, policy: "default.yaml"),
                                    event: LedgerEvent(kind: "set.started", at: Timestamp.parse("2026-11-03T12:00:00Z")!, details: [
                                        "set": dead.rawValue, "class": "daily", "customers": "3"]))

        // Twelve days on: the daily set expires, its expiry key is destroyed.
        at("2026-11-15T03:00:00Z")
        _ = try ExpireJob(home: home()).run()
        _ = try StructureVerification(home: home()).run()
        _ = try CopyVerification(home: home()).run()
        _ = try LedgerCheck(home: home()).run()

        // Faults and races, through the writers' own helpers.
        let now = fixture.clock.now()
        let h = try home()
        let offsiteCopy = try #require(try h.catalog.copies(location: .offsite, states: [.live]).first)
        let copier = OffsiteCopier(home: h)
        try h.catalog.record(copier.event("copy.upload_failed", offsiteCopy, now: now, extra: [
            "error": "not attempted: the offsite store was unavailable earlier in this run (the offsite store is unavailable (test))"]))
        try h.catalog.record(copier.event("copy.adoption_refused", offsiteCopy, now: now, extra: ["error": "chunk 0 of the archive failed authentication"]))
        try h.catalog.record(copier.event("copy.cancel_failed", offsiteCopy, now: now, extra: ["error": "the object is locked"]))
        try h.catalog.record(copier.event("copy.cancelled", offsiteCopy, now: now, extra: [
            "reason": "its delete-by or its local source passed before it could be uploaded: it never will be",
            "result": "nothing was stored"]))
        try h.catalog.record(copier.event("copy.discarded", offsiteCopy, now: now, extra: [
            "reason": "the copy's row left pending (now shredded) while it was being uploaded: the customer was shredded",
            "result": "the upload was deleted and confirmed gone", "version": offsiteCopy.versionID ?? "-"]))
        let expire = ExpireJob(home: h)
        let decision = try #require(try expire.plan(now: now).decisions.first)
        try h.catalog.record(expire.event("copy.delete_failed", decision, now: now, extra: [
            "error": "the object is locked", "result": "still stored: overdue, retried on the next run"]))
        try h.catalog.record(expire.event("copy.cancel_failed", decision, now: now, extra: [
            "error": "the object is locked", "result": "still pending: what is stored at its key could not be deleted; retried on the next run"]))
        try h.catalog.record(expire.event("copy.cancelled", decision, now: now, extra: ["result": "never uploaded: marked deleted"]))
        try h.catalog.record(expire.event("copy.deleted", decision, now: now, extra: [
            "result": "deleted from the store and confirmed gone",
            "note": "already gone from the store (an earlier run deleted it but stopped before recording it)"]))

        // The rest, with the details their writers build (BackupJob.backUp, Maintenance.abortAbandonedUploads,
        // KeysJob.escrow before the sealed escrow, BenchHome).
        let local = try #require(try h.catalog.copies(location: .local).last)
        try h.catalog.record(LedgerEvent(kind: "copy.discarded", at: now, details: [
            "pseudonym": local.pseudonym.rawValue, "set": local.setID.rawValue, "archive": local.archiveID.rawValue,
            "location": "local", "reason": "the customer was shredded while this copy was being written"]))
        try h.catalog.record(LedgerEvent(kind: "store.uploads_aborted", at: now, details: [
            "location": Location.offsite.rawValue, "count": "1", "object_keys": offsiteCopy.objectKey.rawValue,
            "reason": "multipart uploads begun over a day ago by the store's clock and never completed: left by a run that died"]))
        try h.catalog.record(LedgerEvent(kind: "keys.escrowed", at: now, details: ["epoch": String(escrow.epoch), "kek_id": escrow.kekID.rawValue]))
        try h.catalog.recordCopies([], event: LedgerEvent(kind: "bench.copies", at: now, details: ["copies": "0"]))

        at("2026-11-15T04:00:00Z")
        _ = try ReportJob(home: home()).run(format: .json) { _ in }

        let events = try home().catalog.ledger()
        let missing = Set(Self.everyKind).subtracting(events.map(\.kind))
        #expect(missing.isEmpty, "no event of \(missing.sorted())")
        #expect(try home().catalog.verifyLedger().isIntact)

        // One clean file: the WAL folded in, free pages dropped.
        let target = Self.fixtureFile
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? FileManager.default.removeItem(at: target)
        let queue = try DatabaseQueue(path: fixture.homeURL.appendingPathComponent("catalog.sqlite").path)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            try db.execute(sql: "VACUUM INTO ?", arguments: [target.path])
        }
        let copy = try DatabaseQueue(path: target.path)
        try copy.writeWithoutTransaction { try $0.execute(sql: "PRAGMA journal_mode = DELETE") }
    }

    /// Every kind the code at 81505f1 writes or reads.
    static let everyKind = [
        "home.created", "set.started", "set.finished", "set.abandoned", "backup.alias_refused",
        "copy.written", "copy.planned", "copy.discarded", "copy.upload_failed", "copy.adoption_refused",
        "copy.cancelled", "copy.cancel_failed", "copy.deleted", "copy.delete_failed",
        "copies.verified", "structure.verified", "ledger.verified", "expire.finished", "store.uploads_aborted",
        "customer.shredded", "customer.erased_before_backup", "customer.exported",
        "keys.rotated", "keys.expiry_destroyed", "keys.recovered", "keys.escrow_raw", "keys.escrowed", "keys.escrow_raw_destroyed",
        "keys.offsite_witness_recorded", "report.generated", "bench.copies",
    ]
}
