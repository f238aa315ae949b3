import Foundation
import GRDB
import LetheCore

/// The catalog: sets, copies and the ledger, in one SQLite file (the embedded default).
///
/// Every change that records a decision takes the ledger event to append in the same
/// transaction, so the catalog and its ledger never disagree.
public final class Catalog: @unchecked Sendable {
    let database: DatabaseQueue

    /// Opens (creating if asked) the catalog at `path`.
    public init(path: URL, create: Bool = false) throws {
        guard create || FileManager.default.fileExists(atPath: path.path) else {
            throw CatalogError.unavailable(path.path, reason: "no such file")
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in
            // WAL, with every commit synced before it returns (GRDB's own WAL set-up would choose
            // NORMAL, which syncs only at checkpoints): a copy row is durable before the upload
            // it announces, a ledger event before the result it records is reported.
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            database = try DatabaseQueue(path: path.path, configuration: configuration)
            try CatalogSchema.migrateIfNeeded(database)
        } catch {
            throw CatalogError.unavailable(path.path, reason: "\(error)")
        }
    }

    // MARK: Sets

    /// Records a set that is starting.
    public func beginSet(_ set: SetRecord, event: LedgerEvent) throws {
        try database.write { db in
            try db.execute(sql: "INSERT INTO sets(id, created, class, state, policy, customers, failures) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           arguments: [set.id.rawValue, seconds(set.created), set.retentionClass.rawValue, set.state.rawValue,
                                       set.policy, set.customers, set.failures])
            try append(event, db)
        }
    }

    /// Records how a set ended.
    public func finishSet(_ id: SetID, state: SetState, customers: Int, failures: Int, event: LedgerEvent) throws {
        try database.write { db in
            try db.execute(sql: "UPDATE sets SET state = ?, customers = ?, failures = ? WHERE id = ?",
                           arguments: [state.rawValue, customers, failures, id.rawValue])
            try append(event, db)
        }
    }

    /// Every set, oldest first.
    public func sets() throws -> [SetRecord] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sets ORDER BY created, id").map(Self.set)
        }
    }

    /// One set by id.
    public func set(_ id: SetID) throws -> SetRecord {
        try database.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM sets WHERE id = ?", arguments: [id.rawValue]) else {
                throw CatalogError.unknownSet(id)
            }
            return Self.set(row)
        }
    }

    /// The creation time of the newest set created before `date` (for classification).
    public func latestSetCreated(before date: Date) throws -> Date? {
        try database.read { db in
            try Int64.fetchOne(db, sql: "SELECT MAX(created) FROM sets WHERE created < ? AND state != 'failed'",
                               arguments: [seconds(date)]).map(date(from:))
        }
    }

    // MARK: Copies

    /// Records a copy (durable in its store, or pending) and returns it with its row id.
    @discardableResult
    public func recordCopy(_ copy: CopyRecord, event: LedgerEvent) throws -> CopyRecord {
        try database.write { db in
            try db.execute(sql: """
                INSERT INTO copies(archive_id, set_id, pseudonym, class, location, object_key, created, delete_by,
                                   state, bytes, version_id, locked_until)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [copy.archiveID.rawValue, copy.setID.rawValue, copy.pseudonym.rawValue, copy.retentionClass.rawValue,
                                 copy.location.rawValue, copy.objectKey.rawValue, seconds(copy.created), seconds(copy.deleteBy),
                                 copy.state.rawValue, copy.bytes, copy.versionID, copy.lockedUntil.map(seconds)])
            var stored = copy
            stored.id = db.lastInsertedRowID
            try append(event, db)
            return stored
        }
    }

    /// Records many copies in one transaction with one ledger event (imports, simulations).
    public func recordCopies(_ copies: [CopyRecord], event: LedgerEvent) throws {
        try database.write { db in
            let statement = try db.makeStatement(sql: """
                INSERT INTO copies(archive_id, set_id, pseudonym, class, location, object_key, created, delete_by,
                                   state, bytes, version_id, locked_until)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for copy in copies {
                try statement.execute(arguments: [copy.archiveID.rawValue, copy.setID.rawValue, copy.pseudonym.rawValue,
                                                  copy.retentionClass.rawValue, copy.location.rawValue, copy.objectKey.rawValue,
                                                  seconds(copy.created), seconds(copy.deleteBy), copy.state.rawValue, copy.bytes,
                                                  copy.versionID, copy.lockedUntil.map(seconds)])
            }
            try append(event, db)
        }
    }

    /// Updates a copy's state (and, when it was stored after pending, its size and version).
    public func updateCopy(_ id: Int64, state: CopyState, bytes: Int64? = nil, versionID: String? = nil,
                           lockedUntil: Date? = nil, event: LedgerEvent?) throws {
        try database.write { db in
            try db.execute(sql: """
                UPDATE copies SET state = ?, bytes = COALESCE(?, bytes), version_id = COALESCE(?, version_id),
                                  locked_until = COALESCE(?, locked_until) WHERE id = ?
                """, arguments: [state.rawValue, bytes, versionID, lockedUntil.map(seconds), id])
            if let event { try append(event, db) }
        }
    }

    /// Applies many state changes, each with its ledger event, in one transaction.
    ///
    /// For runs that change many rows (expiry): one commit instead of one per copy. Either every
    /// change and event is recorded, or none is.
    public func updateCopies(_ changes: [CopyStateChange]) throws {
        guard !changes.isEmpty else { return }
        try database.write { db in
            for change in changes {
                try db.execute(sql: "UPDATE copies SET state = ? WHERE id = ?", arguments: [change.state.rawValue, change.id])
                guard db.changesCount == 1 else { throw CatalogError.noCopy("with id \(change.id)") }
                try append(change.event, db)
            }
        }
    }

    /// Copies matching the filters, ordered by set then location.
    public func copies(pseudonym: Pseudonym? = nil, set: SetID? = nil, location: Location? = nil,
                       states: [CopyState]? = nil) throws -> [CopyRecord] {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if let pseudonym { clauses.append("pseudonym = ?"); arguments += [pseudonym.rawValue] }
        if let set { clauses.append("set_id = ?"); arguments += [set.rawValue] }
        if let location { clauses.append("location = ?"); arguments += [location.rawValue] }
        if let states {
            clauses.append("state IN (\(states.map { _ in "?" }.joined(separator: ",")))")
            for state in states { arguments += [state.rawValue] }
        }
        let filter = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        return try database.read { db in
            try Self.fetchCopies(db, sql: "SELECT \(Self.copyColumns) FROM copies \(filter) ORDER BY set_id, pseudonym, location, id",
                                 arguments: arguments)
        }
    }

    /// Marks every remaining copy of a pseudonym shredded and returns them (as they were).
    public func markShredded(_ pseudonym: Pseudonym, event: (_ copies: [CopyRecord]) -> LedgerEvent) throws -> [CopyRecord] {
        try database.write { db in
            let affected = try Self.fetchCopies(db, sql: "SELECT \(Self.copyColumns) FROM copies WHERE pseudonym = ? AND state NOT IN ('deleted', 'shredded')",
                                                arguments: [pseudonym.rawValue])
            try db.execute(sql: "UPDATE copies SET state = 'shredded' WHERE pseudonym = ? AND state NOT IN ('deleted', 'shredded')",
                           arguments: [pseudonym.rawValue])
            try append(event(affected), db)
            return affected
        }
    }

    // MARK: Runs and the ledger

    /// Appends an event on its own.
    public func record(_ event: LedgerEvent) throws {
        try database.write { db in try append(event, db) }
    }

    /// The time of the latest event in the ledger: the clock must never read earlier.
    public func latestRecordedTime() throws -> Date? {
        try database.read { db in
            try Int64.fetchOne(db, sql: "SELECT MAX(at) FROM ledger").map(date(from:))
        }
    }

    /// The latest ledger event of `kind`, or nil.
    public func latestEvent(kind: String) throws -> LedgerEvent? {
        try database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM ledger WHERE kind = ? ORDER BY seq DESC LIMIT 1", arguments: [kind]).map(Self.event)
        }
    }

    /// True if the ledger holds an event of `kind` whose details name `pseudonym`.
    public func hasEvent(kind: String, pseudonym: Pseudonym) throws -> Bool {
        try database.read { db in
            try Bool.fetchOne(db, sql: """
                SELECT 1 FROM ledger WHERE kind = ? AND json_extract(details, '$.pseudonym') = ? LIMIT 1
                """, arguments: [kind, pseudonym.rawValue]) ?? false
        }
    }

    /// Every ledger event of the given kinds, in order (through the by-kind index: reports read
    /// shreds, failures and runs without scanning millions of copy events).
    public func events(kinds: [String]) throws -> [LedgerEvent] {
        guard !kinds.isEmpty else { return [] }
        let marks = kinds.map { _ in "?" }.joined(separator: ",")
        return try database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM ledger WHERE kind IN (\(marks)) ORDER BY seq",
                             arguments: StatementArguments(kinds)).map(Self.event)
        }
    }

    /// The last event of the ledger (its head: the hash an auditor notes to compare next time), or nil if empty.
    public func ledgerHead() throws -> LedgerEvent? {
        try database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM ledger ORDER BY seq DESC LIMIT 1").map(Self.event)
        }
    }

    /// Every ledger event, in order.
    public func ledger() throws -> [LedgerEvent] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM ledger ORDER BY seq").map(Self.event)
        }
    }

    /// Recomputes the chain and points at the first event that does not fit.
    public func verifyLedger() throws -> LedgerVerification {
        // Rows and head in one read transaction, so an append running meanwhile cannot look like tampering.
        let (rows, head) = try database.read { db in
            (try Row.fetchAll(db, sql: "SELECT * FROM ledger ORDER BY seq"),
             try String.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'ledger_head'"))
        }
        var previous = ""
        var expectedSequence: Int64 = 1
        for row in rows {
            let sequence: Int64 = row["seq"]
            let storedPrevious: String = row["prev_hash"]
            let hash = LedgerEvent.chainHash(sequence: sequence, at: row["at"], kind: row["kind"], details: row["details"],
                                             previousHash: storedPrevious)
            let problem: String?
            if sequence != expectedSequence {
                problem = "event \(expectedSequence) is missing (the next one is \(sequence)): an event was deleted"
            } else if storedPrevious != previous {
                problem = "event \(sequence) does not follow the event before it: events were deleted or reordered"
            } else if hash != row["hash"] as String {
                problem = "event \(sequence) was altered: its content does not match its hash"
            } else {
                problem = nil
            }
            if let problem {
                return LedgerVerification(events: rows.count, firstBrokenSequence: min(sequence, expectedSequence), problem: problem)
            }
            previous = hash
            expectedSequence += 1
        }
        let last = rows.last.map { "\($0["seq"] as Int64):\($0["hash"] as String)" }
        if head != last {
            let newest = expectedSequence - 1
            let recorded = head.flatMap { Int64($0.split(separator: ":").first ?? "") } ?? 0
            if recorded > newest {
                return LedgerVerification(events: rows.count, firstBrokenSequence: newest + 1, problem:
                    "the ledger ends at event \(newest) but its recorded head is event \(recorded): events were deleted from its end")
            }
            return LedgerVerification(events: rows.count, firstBrokenSequence: max(newest, 1), problem:
                "event \(newest) does not match the ledger's recorded head: the end of the ledger was rewritten, or the head removed")
        }
        return LedgerVerification(events: rows.count, firstBrokenSequence: nil, problem: nil)
    }

    func append(_ event: LedgerEvent, _ db: Database) throws {
        let last = try Row.fetchOne(db, sql: "SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1")
        let sequence = (last?["seq"] as Int64? ?? 0) + 1
        let previous = last?["hash"] as String? ?? ""
        let at = seconds(event.at)
        let details = LedgerEvent.canonicalDetails(event.details)
        let hash = LedgerEvent.chainHash(sequence: sequence, at: at, kind: event.kind, details: details, previousHash: previous)
        try db.execute(sql: "INSERT INTO ledger(seq, at, kind, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [sequence, at, event.kind, details, previous, hash])
        try db.execute(sql: "INSERT OR REPLACE INTO meta(name, value) VALUES ('ledger_head', ?)", arguments: ["\(sequence):\(hash)"])
    }

    // MARK: Rows

    static func set(_ row: Row) -> SetRecord {
        SetRecord(id: SetID(row["id"]), created: date(from: row["created"]),
                  retentionClass: RetentionClass(rawValue: row["class"]) ?? .daily,
                  state: SetState(rawValue: row["state"]) ?? .failed, policy: row["policy"],
                  customers: row["customers"], failures: row["failures"])
    }

    /// The columns `fetchCopies` reads, in the order it reads them.
    static let copyColumns = "id, archive_id, set_id, pseudonym, class, location, object_key, created, delete_by, state, bytes, version_id, locked_until"

    /// Copies selected with `copyColumns`. Reads through a cursor by column index: expire and the
    /// report read every row, and looking columns up by name cost most of the time.
    static func fetchCopies(_ db: Database, sql: String, arguments: StatementArguments) throws -> [CopyRecord] {
        var copies: [CopyRecord] = []
        let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        while let row = try rows.next() {
            guard let key = ObjectKey(row[6] as String) else {
                throw CatalogError.corrupt("copy \(row[0] as Int64) has an invalid object key")
            }
            copies.append(CopyRecord(
                id: row[0], archiveID: ArchiveID(row[1] as String), setID: SetID(row[2] as String),
                pseudonym: Pseudonym(row[3] as String), retentionClass: RetentionClass(rawValue: row[4]) ?? .daily,
                location: Location(rawValue: row[5]) ?? .local, objectKey: key,
                created: date(from: row[7]), deleteBy: date(from: row[8]),
                state: CopyState(rawValue: row[9]) ?? .live, bytes: row[10], versionID: row[11],
                lockedUntil: (row[12] as Int64?).map(date(from:))))
        }
        return copies
    }

    static func event(_ row: Row) -> LedgerEvent {
        var event = LedgerEvent(kind: row["kind"], at: date(from: row["at"]),
                                details: (try? JSONDecoder().decode([String: String].self, from: Data((row["details"] as String).utf8))) ?? [:])
        event.sequence = row["seq"]
        event.previousHash = row["prev_hash"]
        event.hash = row["hash"]
        return event
    }
}

func seconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970.rounded(.down)) }
func date(from seconds: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(seconds)) }
