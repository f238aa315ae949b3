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
/// that need a fault or a race are recorded with what their writers record (at 81505f1 the
/// writers' own helpers `OffsiteCopier.event` and `ExpireJob.event` built them; now the same
/// payloads the writers build), as are the legacy `keys.escrowed` and the benchmark's
/// `bench.copies`. The committed file was recorded by the code at 81505f1, before the ledger
/// was typed; recording it again with today's code must give a ledger the same tests accept.
@Suite struct LedgerFixtureRecorder {
    static var fixtureFile: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("LetheCatalogTests/Fixtures/ledger-every-kind.sqlite")
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["LETHE_RECORD_LEDGER_FIXTURE"] == "1"))
    func recordALedgerOfEveryKind() throws {
        try Self.record(to: Self.fixtureFile)
    }

    /// Today's (typed) writers, taking the same steps, record the same kinds with the same keys,
    /// event by event, as the code at 81505f1 did; the values differ only where they are random
    /// or derived from random bytes (ids, pseudonyms, keys, sizes of encrypted archives).
    @Test func todaysWritersRecordWhatTheFixtureHolds() throws {
        let folder = try TemporaryDirectory(prefix: "lethe-ledger-record")
        let target = folder.url.appendingPathComponent("ledger.sqlite")
        try Self.record(to: target)
        let recorded = try Self.events(in: Self.fixtureFile), written = try Self.events(in: target)
        #expect(recorded.count == written.count)
        for (old, new) in zip(recorded, written) {
            #expect(old.kind == new.kind && Set(old.details.keys) == Set(new.details.keys), "event \(old.sequence)")
            for (key, value) in old.details where !Self.randomKeys.contains(key) {
                #expect(new.details[key] == value, "event \(old.sequence) (\(old.kind)): \(key)")
            }
        }
    }

    /// Keys whose values come from random ids or keys (or the order in which concurrent backups commit).
    static let randomKeys: Set = ["copy", "pseudonym", "pseudonyms", "set", "archive", "object_key", "object_keys", "kek_id", "destroyed_key",
                                  "ledger_head_hash", "bytes", "bytes.local", "bytes.offsite", "version", "reasons"]

    /// The ledger of the catalog file at `path`, read without writing to it.
    static func events(in path: URL) throws -> [(sequence: Int64, kind: String, details: [String: String])] {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: path.path, configuration: configuration).read { db in
            try Row.fetchAll(db, sql: "SELECT seq, kind, details FROM ledger ORDER BY seq").map { row in
                (try row.decode(Int64.self, forColumn: "seq"), try row.decode(String.self, forColumn: "kind"),
                 try JSONDecoder().decode([String: String].self, from: Data(try row.decode(String.self, forColumn: "details").utf8)))
            }
        }
    }

    /// Takes the steps and writes the catalog to `target`.
    static func record(to target: URL) throws {
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

        // Faults and races, with the payloads their writers build (OffsiteCopier, ExpireJob, BackupJob.backUp,
        // Maintenance.abortAbandonedUploads), and the legacy `keys.escrowed` and the benchmark's `bench.copies`.
        let now = fixture.clock.now()
        let h = try home()
        func record<Payload: LedgerPayload>(_ payload: Payload) throws { try h.catalog.record(LedgerEvent(payload, at: now)) }
        let offsiteCopy = try #require(try h.catalog.copies(location: .offsite, states: [.live]).first)
        let offsiteFacts = LedgerEvent.CopyFacts(offsiteCopy)
        try record(LedgerEvent.CopyUploadFailed(
            copy: offsiteFacts, error: "not attempted: the offsite store was unavailable earlier in this run (the offsite store is unavailable (test))"))
        try record(LedgerEvent.CopyAdoptionRefused(copy: offsiteFacts, error: "chunk 0 of the archive failed authentication"))
        try record(LedgerEvent.CopyCancelFailed(copy: offsiteFacts, error: "the object is locked"))
        try record(LedgerEvent.CopyCancelled(copy: offsiteFacts, result: "nothing was stored",
                                             reason: "its delete-by or its local source passed before it could be uploaded: it never will be"))
        try record(LedgerEvent.CopyDiscarded(
            copy: offsiteFacts, reason: "the copy's row left pending (now shredded) while it was being uploaded: the customer was shredded",
            result: "the upload was deleted and confirmed gone", version: offsiteCopy.versionID ?? "-"))
        let decision = try #require(try ExpireJob(home: h).plan(now: now).decisions.first)
        let decided = ExpireJob.facts(decision)
        try record(LedgerEvent.CopyDeleteFailed(copy: decided, error: "the object is locked", result: "still stored: overdue, retried on the next run"))
        try record(LedgerEvent.CopyCancelFailed(copy: decided, error: "the object is locked",
                                                result: "still pending: what is stored at its key could not be deleted; retried on the next run"))
        try record(LedgerEvent.CopyCancelled(copy: decided, result: "never uploaded: marked deleted"))
        try record(LedgerEvent.CopyDeleted(copy: decided, result: "deleted from the store and confirmed gone",
                                           note: "already gone from the store (an earlier run deleted it but stopped before recording it)"))
        let local = try #require(try h.catalog.copies(location: .local).last)
        try record(LedgerEvent.CopyDiscarded(copy: .init(pseudonym: local.pseudonym, set: local.setID, location: .local, archive: local.archiveID),
                                             reason: "the customer was shredded while this copy was being written"))
        try record(LedgerEvent.StoreUploadsAborted(
            location: .offsite, count: 1, objectKeys: [offsiteCopy.objectKey.rawValue],
            reason: "multipart uploads begun over a day ago by the store's clock and never completed: left by a run that died"))
        try h.catalog.record(LedgerEvent(kind: .keysEscrowed, at: now, details: ["epoch": String(escrow.epoch), "kek_id": escrow.kekID.rawValue]))
        try h.catalog.recordCopies([], event: LedgerEvent(LedgerEvent.BenchCopies(copies: 0), at: now))

        at("2026-11-15T04:00:00Z")
        _ = try ReportJob(home: home()).run(format: .json) { _ in }

        let events = try home().catalog.ledger()
        let missing = Set(Self.everyKind).subtracting(events.map(\.kind))
        #expect(missing.isEmpty, "no event of \(missing.sorted())")
        #expect(try home().catalog.verifyLedger().isIntact)

        // One clean file: the WAL folded in, free pages dropped.
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
    ].map(LedgerEvent.Kind.init(rawValue:))
}
