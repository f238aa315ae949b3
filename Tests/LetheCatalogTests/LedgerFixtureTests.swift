import Foundation
import GRDB
@testable import LetheCatalog
import LetheCore
import LetheTestSupport
import Testing

/// A catalog written by Lethe at 81505f1, before the ledger was typed (`Fixtures/ledger-every-kind.sqlite`,
/// recorded by `LedgerFixtureRecorder` in LetheJobsTests), holding an event of every kind: it still
/// verifies, every event reads back as stored, and every payload decodes and re-encodes to
/// exactly the stored details, so the hash chain of what the typed writers record is unchanged.
@Suite struct LedgerFixtureTests {
    /// A copy of the fixture in a temporary folder (opening a catalog may write to it).
    static func fixture() throws -> (TemporaryDirectory, URL) {
        let folder = try TemporaryDirectory(prefix: "lethe-ledger-fixture")
        let path = folder.url.appendingPathComponent("catalog.sqlite")
        let source = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("ledger-every-kind.sqlite")
        try FileManager.default.copyItem(at: source, to: path)
        return (folder, path)
    }

    /// The `details` column as stored, by sequence.
    static func storedDetails(_ path: URL) throws -> [Int64: String] {
        let rows = try DatabaseQueue(path: path.path).read { db in
            try Row.fetchAll(db, sql: "SELECT seq, details FROM ledger")
        }
        return Dictionary(uniqueKeysWithValues: try rows.map { (try $0.value("seq", in: "ledger", as: Int64.self),
                                                               try $0.value("details", in: "ledger", as: String.self)) })
    }

    static var payloadTypesByKind: [LedgerEvent.Kind: any LedgerPayload.Type] {
        var types: [LedgerEvent.Kind: any LedgerPayload.Type] = [:]
        for type in LedgerEvent.payloadTypes { for kind in type.kinds { types[kind] = type } }
        return types
    }

    @Test func theFixtureVerifiesAndHoldsEveryKind() throws {
        let (folder, path) = try Self.fixture()
        let catalog = try Catalog(path: path)
        let verification = try catalog.verifyLedger()
        #expect(verification.isIntact && verification.events == 48, "\(verification)")
        // The head recorded in 81505f1's file: nothing was rewritten.
        let head = try #require(try catalog.ledgerHead())
        #expect(head.sequence == 48 && head.hash == "5cae959578095537e5940d49b095fad5ec20162612f72d4092409fd95de1b488")
        let kinds = Set(try catalog.ledger().map(\.kind))
        #expect(kinds == Set(Self.payloadTypesByKind.keys))
        withExtendedLifetime(folder) {}
    }

    @Test func everyKindHasOnePayloadType() {
        let kinds = LedgerEvent.payloadTypes.flatMap { $0.kinds }
        #expect(kinds.count == Set(kinds).count)
        #expect(kinds.count == 31)
    }

    @Test func everyEventReadsBackAsStoredAndItsPayloadEncodesToExactlyThoseDetails() throws {
        let (folder, path) = try Self.fixture()
        let stored = try Self.storedDetails(path)
        let events = try Catalog(path: path).ledger()
        #expect(events.count == stored.count)
        let types = Self.payloadTypesByKind
        for event in events {
            #expect(LedgerEvent.canonicalDetails(event.details) == stored[event.sequence], "event \(event.sequence)")
            let type = try #require(types[event.kind], "no payload type for \(event.kind)")
            let details = try Self.reencoded(event, as: type)
            #expect(details == event.details, "event \(event.sequence) (\(event.kind))")
            // Byte for byte: the payload through the flat encoder, as the chain hashes it, is the stored text.
            #expect(try Self.json(event, as: type) == stored[event.sequence], "event \(event.sequence) (\(event.kind))")
        }
        withExtendedLifetime(folder) {}
    }

    @Test func typedReadsFindEveryEventOfTheirKinds() throws {
        let (folder, path) = try Self.fixture()
        let catalog = try Catalog(path: path)
        let events = try catalog.ledger()
        for type in LedgerEvent.payloadTypes {
            let count = try Self.typedCount(catalog, type)
            #expect(count == events.filter { type.kinds.contains($0.kind) }.count, "\(type.kind)")
            #expect(count > 0, "\(type.kind)")
        }
        let escrows = try catalog.events(LedgerEvent.KeysEscrowRaw.self)
        #expect(Set(escrows.map(\.payload.epoch)).count == 1 && escrows.count == 2, "keys.escrowed is read as keys.escrow_raw")
        withExtendedLifetime(folder) {}
    }

    @Test func aPayloadThatDoesNotDecodeIsAnIntegrityError() throws {
        let (folder, path) = try Self.fixture()
        let sequence = try DatabaseQueue(path: path.path).write { db in
            let seq = try Int64.fetchOne(db, sql: "SELECT MIN(seq) FROM ledger WHERE kind = 'customer.shredded'")!
            try db.execute(sql: "UPDATE ledger SET details = json_set(details, '$.copies', 'many') WHERE seq = ?", arguments: [seq])
            return seq
        }
        let catalog = try Catalog(path: path)
        #expect {
            _ = try catalog.events(LedgerEvent.CustomerShredded.self)
        } throws: { error in
            guard case .invalidEvent(sequence, "customer.shredded", let problem)? = error as? CatalogError else { return false }
            return problem.contains("'copies'") && "\(error)".contains("lethe verify --ledger")
        }
        // Details that are not even JSON: the event cannot be read at all (damaged, exit 3).
        try DatabaseQueue(path: path.path).write { db in
            try db.execute(sql: "UPDATE ledger SET details = 'not json' WHERE seq = ?", arguments: [sequence])
        }
        #expect {
            _ = try Catalog(path: path).ledger()
        } throws: { error in
            guard case .damaged(let damage)? = error as? CatalogError else { return false }
            return damage.detail?.contains("ledger.details of event \(sequence)") == true
        }
        withExtendedLifetime(folder) {}
    }

    /// Keys a later version added are optional: an event as an earlier version wrote it still
    /// reads (the details of each writer as first released, from git history).
    @Test func eventsWrittenBeforeAKeyWasAddedStillRead() throws {
        let home = try LedgerEvent.HomeCreated(details: ["policy": "default.yaml", "key_directories": "1", "offsite": "none"])
        #expect(home.escrowDirectories == nil && home.recoveryKey == nil)
        let report = try LedgerEvent.ReportGenerated(details: [
            "format": "html", "copies": "4", "overdue": "0", "max_age_violations": "0", "sets": "1", "erasures": "0",
            "ledger_intact": "true", "ledger_events": "9", "ledger_head": "9", "ledger_head_hash": "ab"])
        #expect(report.unfinishedShred == nil && report.signedBy == nil && report.ledgerHead == 9)
        let recovered = try LedgerEvent.KeysRecovered(details: ["epoch": "2", "kek_id": "k", "directories_restored": "1", "keys_verified": "3"])
        #expect(recovered.source == nil && recovered.escrowDirectoriesRestored == nil)
        let legacy = try LedgerEvent(kind: .keysEscrowed, at: Date(timeIntervalSince1970: 0), details: ["epoch": "3", "kek_id": "k"])
            .payload(LedgerEvent.KeysEscrowRaw.self)
        #expect(legacy.epoch == 3)
    }

    static func reencoded<P: LedgerPayload>(_ event: LedgerEvent, as type: P.Type) throws -> [String: String] {
        try event.payload(P.self).details
    }

    static func json<P: LedgerPayload>(_ event: LedgerEvent, as type: P.Type) throws -> String {
        LedgerEvent.canonicalDetails(try FlatDetailsEncoder().encode(try event.payload(P.self)))
    }

    static func typedCount<P: LedgerPayload>(_ catalog: Catalog, _ type: P.Type) throws -> Int {
        try catalog.events(P.self).count
    }
}
