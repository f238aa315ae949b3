import Foundation
import GRDB
import LetheCore
import LetheSQLite

/// The catalog: sets, copies and the ledger, in one SQLite file (the embedded default).
///
/// Every change that records a decision takes the ledger event to append in the same
/// transaction, so the catalog and its ledger never disagree.
public final class Catalog: @unchecked Sendable {
    let file: SQLiteFile
    /// Concurrent `recordCopy` calls, committed in groups.
    private let copyRecords = GroupCommit<(CopyRecord, LedgerEvent), CopyRecord>()

    /// Opens (creating if asked) the catalog at `path`.
    ///
    /// Every commit is synced before it returns (see `SQLiteFile`): a copy row is durable before
    /// the upload it announces, a ledger event before the result it records is reported. The
    /// WAL is checkpointed past 10,000 pages (40 MiB) rather than SQLite's 1,000: a night's
    /// batches write about six pages a customer (random index pages), and checkpointing every
    /// few batches cost the backup's recording thread a third of its time.
    ///
    /// - Parameter busyTimeout: how long a call waits for another process to release the file
    ///   before it throws `CatalogError.busy` (seconds).
    /// - Throws: `CatalogError.damaged` if SQLite finds the file damaged (or it is not a
    ///   catalog), `CatalogError.unavailable` if it is missing or cannot be opened now.
    public init(path: URL, create: Bool = false, busyTimeout: TimeInterval = SQLiteDamage.busyTimeout) throws {
        // An existing catalog emptied (or replaced) is damage, never a new catalog.
        file = try SQLiteFile(url: path, existing: !create, schema: CatalogSchema.schema, busyTimeout: busyTimeout,
                              checkpointPages: 10_000,
                              failures: SQLiteFailures(damaged: CatalogError.damaged, busy: CatalogError.busy,
                                                       unavailable: CatalogError.unavailable))
    }

    /// Runs SQLite's `PRAGMA quick_check` on the catalog (`lethe verify`): damage in pages no
    /// command happened to read shows up here.
    ///
    /// - Throws: `CatalogError.damaged` with what the check reported.
    public func checkFile() throws { try file.checkFile() }

    /// Runs `body` in a read transaction; damage becomes `CatalogError.damaged`, a file held too
    /// long by another process `CatalogError.busy`.
    func read<T>(_ body: (Database) throws -> T) throws -> T { try file.read(body) }

    /// The rows of one read statement, read without an explicit transaction (`SQLiteFile.readRows`);
    /// failures become `CatalogError`s as for `read`.
    func readRows(sql: String, arguments: StatementArguments) throws -> [Row] { try file.readRows(sql: sql, arguments: arguments) }

    /// Runs `body` in a write transaction; failures become `CatalogError`s as for `read`.
    func write<T>(_ body: (Database) throws -> T) throws -> T { try file.write(body) }

    // MARK: Sets

    /// Records a set that is starting.
    public func beginSet(_ set: SetRecord, event: LedgerEvent) throws {
        try write { db in
            try db.execute(sql: "INSERT INTO sets(id, created, class, state, policy, customers, failures) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           arguments: [set.id.rawValue, seconds(set.created), set.retentionClass.rawValue, set.state.rawValue,
                                       set.policy, set.customers, set.failures])
            try append(event, db)
        }
    }

    /// Records how a set ended.
    public func finishSet(_ id: SetID, state: SetState, customers: Int, failures: Int, event: LedgerEvent) throws {
        try write { db in
            try db.execute(sql: "UPDATE sets SET state = ?, customers = ?, failures = ? WHERE id = ?",
                           arguments: [state.rawValue, customers, failures, id.rawValue])
            try append(event, db)
        }
    }

    /// Every set, oldest first.
    public func sets() throws -> [SetRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.setColumns) FROM sets ORDER BY created, id").map(Self.set)
        }
    }

    /// One set by id.
    public func set(_ id: SetID) throws -> SetRecord {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT \(Self.setColumns) FROM sets WHERE id = ?", arguments: [id.rawValue]) else {
                throw CatalogError.unknownSet(id)
            }
            return try Self.set(row)
        }
    }

    /// The creation time of the newest set created before `date` (for classification).
    public func latestSetCreated(before date: Date) throws -> Date? {
        try read { db in
            try Int64.fetchOne(db, sql: "SELECT MAX(created) FROM sets WHERE created < ? AND state != 'failed'",
                               arguments: [seconds(date)]).map { try StoredDate.date(fromSeconds: $0, "sets.created") }
        }
    }

    // MARK: Copies

    /// Records a copy (durable in its store, or pending) and returns it with its row id, once
    /// the row and its ledger event are committed and synced.
    ///
    /// Callers on several threads (a backup's workers) share commits (`GroupCommit`): one synced
    /// transaction records whatever copies arrived while the previous one was syncing.
    @discardableResult
    public func recordCopy(_ copy: CopyRecord, event: LedgerEvent) throws -> CopyRecord {
        try copyRecords.submit((copy, event)) { group in
            try write { db in
                try group.map { copy, event in try insert(copy, event: event, db) }
            }
        }
    }

    /// Records a batch of copies (each durable in its store), each with its ledger event and,
    /// for an archive later archives may be written against, its base index, in one synced
    /// transaction: a backup's batch of archives made durable together. If the transaction
    /// fails, the copies are recorded one by one, so one bad copy fails alone; a copy whose
    /// index cannot be written is recorded without it (later archives of its customer are then
    /// full, as with no base).
    ///
    /// - Returns: per copy, in order, the recorded copy with its row id, or why it was not recorded.
    public func recordCopies(_ entries: [CopyEntry]) -> [Result<CopyRecord, any Error>] {
        do {
            return try write { db in
                let copies = try entries.map { try insertRow($0, db) }
                try append(entries.map(\.event), db)
                return copies
            }.map { .success($0) }
        } catch {
            return entries.map { entry in
                Result {
                    do {
                        return try write { db in try insert(entry, db) }
                    } catch where entry.baseIndex != nil {
                        return try write { db in try insert(entry.copy, event: entry.event, db) }
                    }
                }
            }
        }
    }

    /// Inserts one copy row with its ledger event and its base index (if any), inside the
    /// caller's transaction.
    private func insert(_ entry: CopyEntry, _ db: Database) throws -> CopyRecord {
        let copy = try insertRow(entry, db)
        try append(entry.event, db)
        return copy
    }

    /// Inserts one copy row and its base index (if any), not its event, inside the caller's
    /// transaction; returns the copy with its row id.
    private func insertRow(_ entry: CopyEntry, _ db: Database) throws -> CopyRecord {
        try db.cachedStatement(sql: Self.insertCopySQL).execute(arguments: Self.insertArguments(entry.copy))
        var copy = entry.copy
        copy.id = db.lastInsertedRowID
        if let index = entry.baseIndex { try insertBaseIndex(entry.copy.archiveID, entries: index, db) }
        return copy
    }

    /// Records a copy planned from another copy of the same archive (an offsite copy of a local
    /// one), unless its customer was shredded meanwhile: the check and the insert are one
    /// transaction, serialised with the shred's `markShredded`, so a copy is either planned
    /// before the shred (and marked shredded by it) or never planned.
    ///
    /// - Returns: the recorded copy with its row id, or nil (nothing recorded) when a copy of its
    ///   pseudonym is already shredded.
    public func planCopy(_ copy: CopyRecord, event: LedgerEvent) throws -> CopyRecord? {
        try write { db in
            guard try !(Bool.fetchOne(db, sql: "SELECT 1 FROM copies WHERE pseudonym = ? AND state = 'shredded' LIMIT 1",
                                      arguments: [copy.pseudonym.rawValue]) ?? false) else { return nil }
            return try insert(copy, event: event, db)
        }
    }

    /// Inserts one copy row with its ledger event, inside the caller's transaction.
    private func insert(_ copy: CopyRecord, event: LedgerEvent, _ db: Database) throws -> CopyRecord {
        try insert(CopyEntry(copy: copy, event: event), db)
    }

    private static let insertCopySQL = """
        INSERT INTO copies(archive_id, set_id, pseudonym, class, location, object_key, created, delete_by,
                           state, bytes, version_id, locked_until, base_archive_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    private static func insertArguments(_ copy: CopyRecord) -> StatementArguments {
        [copy.archiveID.rawValue, copy.setID.rawValue, copy.pseudonym.rawValue,
         copy.retentionClass.rawValue, copy.location.rawValue, copy.objectKey.rawValue,
         seconds(copy.created), seconds(copy.deleteBy), copy.state.rawValue, copy.bytes,
         copy.versionID, copy.lockedUntil.map(seconds), copy.baseArchiveID?.rawValue]
    }

    /// Records many copies in one transaction with one ledger event (imports, simulations).
    public func recordCopies(_ copies: [CopyRecord], event: LedgerEvent) throws {
        try write { db in
            let statement = try db.makeStatement(sql: Self.insertCopySQL)
            for copy in copies {
                try statement.execute(arguments: Self.insertArguments(copy))
            }
            try append(event, db)
        }
    }

    /// Updates a copy's state (and, when it was stored after pending, its size and version).
    ///
    /// With `expected`, the update is conditional: it applies, with its event, only while the row
    /// is still in that state (checked by the change count, in the same statement). An update that
    /// revives a row (pending to live) passes it, so a copy that a shred marked `shredded` in the
    /// meantime is never turned back; the caller learns it from the result.
    ///
    /// - Parameters:
    ///   - expected: the state the row must still be in, or nil to update it whatever its state.
    /// - Returns: false when `expected` was given and the row was no longer in it (nothing
    ///   changed, no event recorded); true otherwise.
    @discardableResult
    public func updateCopy(_ id: Int64, from expected: CopyState? = nil, state: CopyState, bytes: Int64? = nil,
                           versionID: String? = nil, lockedUntil: Date? = nil, event: LedgerEvent?) throws -> Bool {
        try write { db in
            var sql = """
                UPDATE copies SET state = ?, bytes = COALESCE(?, bytes), version_id = COALESCE(?, version_id),
                                  locked_until = COALESCE(?, locked_until) WHERE id = ?
                """
            var arguments: StatementArguments = [state.rawValue, bytes, versionID, lockedUntil.map(seconds), id]
            if let expected {
                sql += " AND state = ?"
                arguments += [expected.rawValue]
            }
            try db.execute(sql: sql, arguments: arguments)
            if expected != nil, db.changesCount != 1 { return false }
            if let event { try append(event, db) }
            return true
        }
    }

    /// Applies many state changes, each with its ledger event, in one transaction.
    ///
    /// For runs that change many rows (expiry): one commit instead of one per copy. Either every
    /// change and event is recorded, or none is.
    public func updateCopies(_ changes: [CopyStateChange]) throws {
        guard !changes.isEmpty else { return }
        try write { db in
            for change in changes {
                try db.execute(sql: "UPDATE copies SET state = ? WHERE id = ?", arguments: [change.state.rawValue, change.id])
                guard db.changesCount == 1 else { throw CatalogError.noCopy("with id \(change.id)") }
            }
            try append(changes.map(\.event), db)
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
        return try read { db in
            try Self.fetchCopies(db, sql: "SELECT \(Self.copyColumns) FROM copies \(filter) ORDER BY set_id, pseudonym, location, id",
                                 arguments: arguments)
        }
    }

    /// Marks every remaining copy of a pseudonym shredded and returns them (as they were).
    public func markShredded(_ pseudonym: Pseudonym, event: (_ copies: [CopyRecord]) -> LedgerEvent) throws -> [CopyRecord] {
        try write { db in
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
        try write { db in try append(event, db) }
    }

    /// The time of the latest event in the ledger: the clock must never read earlier.
    public func latestRecordedTime() throws -> Date? {
        try read { db in
            try Int64.fetchOne(db, sql: "SELECT MAX(at) FROM ledger").map { try StoredDate.date(fromSeconds: $0, "ledger.at") }
        }
    }

    /// The latest ledger event of `kind`, or nil.
    public func latestEvent(kind: LedgerEvent.Kind) throws -> LedgerEvent? {
        try latestEvent(kinds: [kind])
    }

    /// The latest ledger event of any of `kinds`, or nil.
    func latestEvent(kinds: [LedgerEvent.Kind]) throws -> LedgerEvent? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.eventColumns) FROM ledger WHERE kind IN (\(Self.marks(kinds))) ORDER BY seq DESC LIMIT 1",
                             arguments: StatementArguments(kinds.map(\.rawValue))).map(Self.event)
        }
    }

    /// True if the ledger holds an event of `kind` whose details name `pseudonym`.
    public func hasEvent(kind: LedgerEvent.Kind, pseudonym: Pseudonym) throws -> Bool {
        try read { db in
            try Bool.fetchOne(db, sql: """
                SELECT 1 FROM ledger WHERE kind = ? AND json_extract(details, '$.pseudonym') = ? LIMIT 1
                """, arguments: [kind.rawValue, pseudonym.rawValue]) ?? false
        }
    }

    /// Every ledger event of the given kinds, in order (through the by-kind index: reports read
    /// shreds, failures and runs without scanning millions of copy events).
    public func events(kinds: [LedgerEvent.Kind]) throws -> [LedgerEvent] {
        guard !kinds.isEmpty else { return [] }
        return try read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.eventColumns) FROM ledger WHERE kind IN (\(Self.marks(kinds))) ORDER BY seq",
                             arguments: StatementArguments(kinds.map(\.rawValue))).map(Self.event)
        }
    }

    private static func marks(_ kinds: [LedgerEvent.Kind]) -> String { kinds.map { _ in "?" }.joined(separator: ",") }

    /// The last event of the ledger (its head: the hash an auditor notes to compare next time), or nil if empty.
    public func ledgerHead() throws -> LedgerEvent? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.eventColumns) FROM ledger ORDER BY seq DESC LIMIT 1").map(Self.event)
        }
    }

    /// The hash of the ledger event at `sequence`, or nil when the ledger holds no such event.
    public func eventHash(sequence: Int64) throws -> String? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT hash FROM ledger WHERE seq = ?", arguments: [sequence])
                .map { try $0.value("hash", in: "ledger", as: String.self) }
        }
    }

    /// Every ledger event, in order.
    public func ledger() throws -> [LedgerEvent] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.eventColumns) FROM ledger ORDER BY seq").map(Self.event)
        }
    }

    /// Recomputes the chain and points at the first event that does not fit.
    public func verifyLedger() throws -> LedgerVerification {
        // Rows and head in one read transaction, so an append running meanwhile cannot look like tampering.
        let (rows, head) = try read { db in
            (try Row.fetchAll(db, sql: "SELECT \(Self.eventColumns) FROM ledger ORDER BY seq").map(Self.chainLink),
             try String.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'ledger_head'"))
        }
        var previous = ""
        var expectedSequence: Int64 = 1
        for (link, storedHash) in rows {
            let sequence = link.sequence
            let storedPrevious = link.previousHash
            let hash = link.hash
            let problem: String?
            if sequence != expectedSequence {
                problem = "event \(expectedSequence) is missing (the next one is \(sequence)): an event was deleted"
            } else if storedPrevious != previous {
                problem = "event \(sequence) does not follow the event before it: events were deleted or reordered"
            } else if hash != storedHash {
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
        let last = rows.last.map { "\($0.link.sequence):\($0.hash)" }
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
        try append([event], db)
    }

    /// Appends `events`, in order, each linked to the one before: the chain's head is read once
    /// and written once (`meta.ledger_head`), whatever their number (a batch of a night's copies).
    func append(_ events: [LedgerEvent], _ db: Database) throws {
        guard !events.isEmpty else { return }
        // Cached statements: a night appends one event per customer, and preparing (parsing,
        // authorising) the same SQL each time cost more than running it.
        let last = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1"))
        var sequence = try last.map { try $0.value("seq", in: "ledger", as: Int64.self) } ?? 0
        var previous = try last.map { try $0.value("hash", in: "ledger", as: String.self) } ?? ""
        let insert = try db.cachedStatement(sql: "INSERT INTO ledger(seq, at, kind, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)")
        for event in events {
            // A sequence Lethe never reaches: the next one would overflow.
            guard sequence >= 0, sequence < Int64.max else { throw SQLiteFileError.invalidValue("ledger.seq") }
            sequence += 1
            let at = seconds(event.at)
            let details = LedgerEvent.canonicalDetails(event.details)
            let hash = ChainLink(sequence: sequence, at: at, kind: event.kind.rawValue, details: details, previousHash: previous).hash
            try insert.execute(arguments: [sequence, at, event.kind.rawValue, details, previous, hash])
            previous = hash
        }
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO meta(name, value) VALUES ('ledger_head', ?)")
            .execute(arguments: ["\(sequence):\(previous)"])
    }

    // MARK: Rows
    //
    // Every row is read through LetheSQLite's throwing accessors, from an explicit column list:
    // a damaged file gives `CatalogError.damaged`, never a trap.

    /// The columns `set(_:)` reads.
    static let setColumns = "id, created, class, state, policy, customers, failures"

    static func set(_ row: Row) throws -> SetRecord {
        SetRecord(id: SetID(try row.value("id", in: "sets")), created: try row.date("created", in: "sets"),
                  retentionClass: try row.value("class", in: "sets", RetentionClass.init(rawValue:)),
                  state: try row.value("state", in: "sets", SetState.init(rawValue:)), policy: try row.value("policy", in: "sets"),
                  customers: try row.value("customers", in: "sets", nonNegative), failures: try row.value("failures", in: "sets", nonNegative))
    }

    /// The columns `fetchCopies` reads, in the order it reads them.
    static let copyColumns = "id, archive_id, set_id, pseudonym, class, location, object_key, created, delete_by, state, bytes, version_id, locked_until, base_archive_id"

    /// Copies selected with `copyColumns`. Reads through a cursor by column index: expire and the
    /// report read every row, and looking columns up by name cost most of the time.
    static func fetchCopies(_ db: Database, sql: String, arguments: StatementArguments) throws -> [CopyRecord] {
        try fetchCopies(db.makeStatement(sql: sql), arguments: arguments)
    }

    /// Copies selected with `copyColumns` by a prepared (or cached) statement.
    static func fetchCopies(_ statement: Statement, arguments: StatementArguments) throws -> [CopyRecord] {
        var copies: [CopyRecord] = []
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        let table = "copies"
        while let row = try rows.next() {
            let id = try row.value(at: 0, "id", in: table, as: Int64.self)
            guard let key = ObjectKey(try row.value(at: 6, "object_key", in: table)) else {
                throw SQLiteFileError.invalidValue("copies.object_key of copy \(id)")
            }
            guard let retentionClass = RetentionClass(rawValue: try row.value(at: 4, "class", in: table)) else {
                throw SQLiteFileError.invalidValue("copies.class of copy \(id)")
            }
            guard let location = Location(rawValue: try row.value(at: 5, "location", in: table)) else {
                throw SQLiteFileError.invalidValue("copies.location of copy \(id)")
            }
            guard let state = CopyState(rawValue: try row.value(at: 9, "state", in: table)) else {
                throw SQLiteFileError.invalidValue("copies.state of copy \(id)")
            }
            guard let bytes = storedSize(try row.value(at: 10, "bytes", in: table, as: Int64.self)) else {
                throw SQLiteFileError.invalidValue("copies.bytes of copy \(id)")
            }
            copies.append(CopyRecord(
                id: id, archiveID: ArchiveID(try row.value(at: 1, "archive_id", in: table)),
                setID: SetID(try row.value(at: 2, "set_id", in: table)),
                pseudonym: Pseudonym(try row.value(at: 3, "pseudonym", in: table)), retentionClass: retentionClass,
                location: location, objectKey: key,
                created: try StoredDate.date(fromSeconds: try row.value(at: 7, "created", in: table), "copies.created of copy \(id)"),
                deleteBy: try StoredDate.date(fromSeconds: try row.value(at: 8, "delete_by", in: table), "copies.delete_by of copy \(id)"),
                state: state, bytes: bytes, versionID: try row.value(at: 11, "version_id", in: table),
                lockedUntil: try row.value(at: 12, "locked_until", in: table, as: Int64?.self).map {
                    try StoredDate.date(fromSeconds: $0, "copies.locked_until of copy \(id)")
                }, baseArchiveID: try row.value(at: 13, "base_archive_id", in: table, as: String?.self).map { ArchiveID($0) }))
        }
        return copies
    }

    /// The columns `event(_:)` and `chainLink(_:)` read.
    static let eventColumns = "seq, at, kind, details, prev_hash, hash"

    static func event(_ row: Row) throws -> LedgerEvent {
        let sequence: Int64 = try row.value("seq", in: "ledger")
        let text: String = try row.value("details", in: "ledger")
        // Details that are not a JSON object of strings are nothing Lethe writes: damage (the
        // chain, which hashes the stored text, locates the event: `lethe verify --ledger`).
        guard let details = try? JSONDecoder().decode([String: String].self, from: Data(text.utf8)) else {
            throw SQLiteFileError.invalidValue("ledger.details of event \(sequence)")
        }
        var event = LedgerEvent(kind: LedgerEvent.Kind(rawValue: try row.value("kind", in: "ledger")), at: try row.date("at", in: "ledger"),
                                details: details)
        event.sequence = sequence
        event.previousHash = try row.value("prev_hash", in: "ledger")
        event.hash = try row.value("hash", in: "ledger")
        return event
    }

    /// One ledger row as stored, for recomputing the chain (`at` as the raw seconds hashed), and
    /// the hash stored with it.
    static func chainLink(_ row: Row) throws -> (link: ChainLink, hash: String) {
        (ChainLink(sequence: try row.value("seq", in: "ledger"), at: try row.value("at", in: "ledger"),
                   kind: try row.value("kind", in: "ledger"), details: try row.value("details", in: "ledger"),
                   previousHash: try row.value("prev_hash", in: "ledger")),
         try row.value("hash", in: "ledger"))
    }
}

/// `value` if it is not negative (counts), else nil.
func nonNegative<T: BinaryInteger>(_ value: T) -> T? { value >= 0 ? value : nil }

/// `bytes` if it is a size a stored copy can have (0 to 2^53, 8 PiB), else nil: sums over
/// millions of copies cannot overflow.
func storedSize(_ bytes: Int64) -> Int64? { (0...(1 << 53)).contains(bytes) ? bytes : nil }

func seconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970.rounded(.down)) }
