import Foundation
import GRDB
import LetheCatalog
import LetheCore
import LetheTestSupport
import Testing

/// The ledger's hash chain: a real SQLite catalog, tampered with directly through SQLite, as
/// someone with access to the file would.
@Suite struct LedgerTests {
    /// A catalog file holding `count` events, and its folder (kept alive by the caller).
    static func ledger(_ count: Int = 6) throws -> (TemporaryDirectory, URL) {
        let folder = try TemporaryDirectory(prefix: "lethe-ledger")
        let path = folder.url.appendingPathComponent("catalog.sqlite")
        let catalog = try Catalog(path: path, create: true)
        let start = Date(timeIntervalSince1970: 1_796_004_000)
        for n in 1...count {
            try catalog.record(LedgerEvent(kind: n % 2 == 0 ? "copy.deleted" : "copy.written", at: start.addingTimeInterval(Double(n) * 60),
                                           details: ["copy": String(n), "location": "local", "delete_by": "2026-12-0\(n % 9 + 1)T00:00:00Z"]))
        }
        return (folder, path)
    }

    /// Runs SQL on the catalog file behind Lethe's back.
    static func tamper(_ path: URL, _ sql: String) throws {
        let queue = try DatabaseQueue(path: path.path)
        try queue.write { try $0.execute(sql: sql) }
    }

    static func verify(_ path: URL) throws -> LedgerVerification {
        try Catalog(path: path).verifyLedger()
    }

    @Test func anIntactLedgerVerifies() throws {
        let (folder, path) = try Self.ledger()
        let result = try Self.verify(path)
        #expect(result.isIntact && result.events == 6 && result.problem == nil)
        let events = try Catalog(path: path).ledger()
        #expect(events.map(\.sequence) == [1, 2, 3, 4, 5, 6])
        #expect(events[0].previousHash == "" && zip(events, events.dropFirst()).allSatisfy { $0.hash == $1.previousHash })
        withExtendedLifetime(folder) {}
    }

    @Test(arguments: [
        ("details", "UPDATE ledger SET details = replace(details, 'local', 'offsite') WHERE seq = 3"),
        ("time", "UPDATE ledger SET at = at - 86400 WHERE seq = 3"),
        ("kind", "UPDATE ledger SET kind = 'copy.written' WHERE seq = 4"),
    ])
    func anEditedEventIsLocated(field: String, sql: String) throws {
        let (folder, path) = try Self.ledger()
        try Self.tamper(path, sql)
        let result = try Self.verify(path)
        let expected: Int64 = field == "kind" ? 4 : 3
        #expect(result.firstBrokenSequence == expected, "editing the \(field)")
        #expect(result.problem == "event \(expected) was altered: its content does not match its hash")
        #expect(!result.isIntact && result.events == 6)
        withExtendedLifetime(folder) {}
    }

    @Test func anEditWithItsOwnHashRecomputedBreaksTheNextLink() throws {
        // Whoever edits event 3 and recomputes its hash still cannot make event 4 point at it.
        let (folder, path) = try Self.ledger()
        let events = try Catalog(path: path).ledger()
        let forged = try Self.forgedHash(of: events[2], details: "{\"copy\":\"3\",\"delete_by\":\"2099-01-01T00:00:00Z\",\"location\":\"local\"}")
        try Self.tamper(path, "UPDATE ledger SET details = '{\"copy\":\"3\",\"delete_by\":\"2099-01-01T00:00:00Z\",\"location\":\"local\"}', hash = '\(forged)' WHERE seq = 3")
        let result = try Self.verify(path)
        #expect(result.firstBrokenSequence == 4)
        #expect(result.problem == "event 4 does not follow the event before it: events were deleted or reordered")
        withExtendedLifetime(folder) {}
    }

    @Test(arguments: [Int64(1), 3, 5])
    func aDeletedEventIsLocated(sequence: Int64) throws {
        let (folder, path) = try Self.ledger()
        try Self.tamper(path, "DELETE FROM ledger WHERE seq = \(sequence)")
        let result = try Self.verify(path)
        #expect(result.firstBrokenSequence == sequence)
        #expect(result.problem == "event \(sequence) is missing (the next one is \(sequence + 1)): an event was deleted")
        #expect(result.events == 5)
        withExtendedLifetime(folder) {}
    }

    @Test func aDeletedEventWithTheRestRenumberedIsLocated() throws {
        // Closing the gap in the numbering does not help: event 3's successor does not link to 2.
        let (folder, path) = try Self.ledger()
        try Self.tamper(path, "DELETE FROM ledger WHERE seq = 3; UPDATE ledger SET seq = seq - 1 WHERE seq > 3")
        let result = try Self.verify(path)
        #expect(result.firstBrokenSequence == 3)
        #expect(result.problem?.hasPrefix("event 3 does not follow the event before it") == true)
        withExtendedLifetime(folder) {}
    }

    @Test func reorderedEventsAreLocated() throws {
        // Swap events 3 and 4 (content, time, hashes and all): the sequence numbers stay in order.
        let (folder, path) = try Self.ledger()
        try Self.tamper(path, """
            UPDATE ledger SET seq = -1 WHERE seq = 3;
            UPDATE ledger SET seq = 3 WHERE seq = 4;
            UPDATE ledger SET seq = 4 WHERE seq = -1;
            """)
        let result = try Self.verify(path)
        #expect(result.firstBrokenSequence == 3)
        #expect(result.problem?.hasPrefix("event 3") == true)
        #expect(result.problem?.contains("altered") == true || result.problem?.contains("does not follow") == true)
        withExtendedLifetime(folder) {}
    }

    @Test func eventsAppendedAfterTamperingDoNotHideIt() throws {
        let (folder, path) = try Self.ledger()
        try Self.tamper(path, "UPDATE ledger SET details = '{}' WHERE seq = 2")
        let catalog = try Catalog(path: path)
        try catalog.record(LedgerEvent(kind: "ledger.verified", at: Date(timeIntervalSince1970: 1_796_100_000), details: ["intact": "false"]))
        let result = try catalog.verifyLedger()
        #expect(result.firstBrokenSequence == 2 && result.events == 7)
        withExtendedLifetime(folder) {}
    }

    @Test(arguments: [1, 2])
    func eventsDeletedFromTheEndAreDetected(count: Int) throws {
        let (folder, path) = try Self.ledger()
        try Self.tamper(path, "DELETE FROM ledger WHERE seq > \(6 - count)")
        let result = try Self.verify(path)
        #expect(result.firstBrokenSequence == Int64(7 - count))
        #expect(result.problem == "the ledger ends at event \(6 - count) but its recorded head is event 6: events were deleted from its end")
        withExtendedLifetime(folder) {}
    }

    @Test func theNewestEventRewrittenWithItsOwnHashIsDetected() throws {
        let (folder, path) = try Self.ledger()
        let events = try Catalog(path: path).ledger()
        let details = "{\"copy\":\"6\",\"delete_by\":\"2099-01-01T00:00:00Z\",\"location\":\"local\"}"
        let forged = try Self.forgedHash(of: events[5], details: details)
        try Self.tamper(path, "UPDATE ledger SET details = '\(details)', hash = '\(forged)' WHERE seq = 6")
        let result = try Self.verify(path)
        #expect(result.firstBrokenSequence == 6)
        #expect(result.problem?.hasPrefix("event 6 does not match the ledger's recorded head") == true)
        withExtendedLifetime(folder) {}
    }

    @Test func aCatalogFromBeforeTheHeadWasKeptGetsItOnOpening() throws {
        let (folder, path) = try Self.ledger()
        // As a catalog written before the v3 migration: no head, and the migration not recorded.
        try Self.tamper(path, "DELETE FROM meta WHERE name = 'ledger_head'; DELETE FROM grdb_migrations WHERE identifier = 'v3-ledger-head'")
        #expect(try Self.verify(path).isIntact)
        try Self.tamper(path, "DELETE FROM ledger WHERE seq = 6")
        #expect(try Self.verify(path).problem?.contains("events were deleted from its end") == true)
        withExtendedLifetime(folder) {}
    }

    /// The hash the catalog would compute for `event` with `details`: SHA-256 over the same
    /// fields, computed here with Python's hashlib (an independent implementation).
    static func forgedHash(of event: LedgerEvent, details: String) throws -> String {
        let text = "\(event.sequence)\n\(Int64(event.at.timeIntervalSince1970))\n\(event.kind)\n\(details)\n\(event.previousHash)"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let hash = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        process.waitUntilExit()
        return hash
    }
}
