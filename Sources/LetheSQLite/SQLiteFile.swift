import Foundation
import GRDB

/// An SQLite file Lethe keeps (the catalog, the key store): opened in WAL mode with every commit
/// synced, brought up to its schema, and read and written through transactions that turn damage
/// and a file held too long by another process into the store's own errors.
///
/// WAL, with every commit synced before it returns (GRDB's own WAL set-up would choose NORMAL,
/// which syncs only at checkpoints): a row is durable before what it announces is done or
/// reported.
public struct SQLiteFile: Sendable {
    /// The connection.
    public let queue: DatabaseQueue
    /// The file, named in every error about it.
    public let url: URL
    /// The store's names for what can go wrong.
    let failures: SQLiteFailures

    /// Opens the file at `url` and migrates it to `schema`.
    ///
    /// - Parameters:
    ///   - existing: true when the file must already be a store of this kind: a missing one is
    ///     unavailable, and an emptied or replaced one is damage, refused before a migration
    ///     writes into it. False creates the file if needed.
    ///   - secureDelete: overwrite deleted content with zeros (`PRAGMA secure_delete`).
    ///   - busyTimeout: how long a call waits for another process to release the file (seconds).
    ///   - checkpointPages: the WAL's size, in pages, past which a commit checkpoints it into the
    ///     file (SQLite's default is 1,000).
    /// - Throws: the store's damage error if SQLite finds the file damaged (or it is not a store
    ///   of this kind), its unavailable error if it is missing or cannot be opened now.
    public init(url: URL, existing: Bool, schema: SQLiteSchema, secureDelete: Bool = false,
                busyTimeout: TimeInterval = SQLiteDamage.busyTimeout, checkpointPages: Int = 1000, failures: SQLiteFailures) throws {
        self.url = url
        self.failures = failures
        guard !existing || FileManager.default.fileExists(atPath: url.path) else {
            throw failures.unavailable(url.path, "no such file")
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.prepareDatabase { db in
            if secureDelete { try db.execute(sql: "PRAGMA secure_delete = ON") }
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(checkpointPages)")
        }
        do {
            if existing { try SQLiteFileError.requireContent(url) }
            queue = try DatabaseQueue(path: url.path, configuration: configuration)
            if existing { try queue.read { try $0.requireTables() } }
            try schema.migrateIfNeeded(queue)
        } catch {
            throw SQLiteDamage.diagnose(error, file: url).map(failures.damaged) ?? failures.unavailable(url.path, "\(error)")
        }
    }

    /// Runs SQLite's `PRAGMA quick_check` on the file (`lethe verify`): damage in pages no
    /// command happened to read shows up here.
    ///
    /// - Throws: the store's damage error with what the check reported.
    public func checkFile() throws {
        if let damage = SQLiteDamage.check(url) { throw failures.damaged(damage) }
    }

    /// Runs `body` in a read transaction; a failure that shows the file is damaged (an SQLite
    /// error about its content, a value Lethe never writes) becomes the store's damage error, a
    /// file held too long by another process its busy error.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.read(body) } catch { throw diagnosed(error) }
    }

    /// The rows of one read statement (`sql`, from the connection's statement cache), read
    /// without an explicit transaction: SQLite reads a lone statement in a read transaction of
    /// its own (one snapshot, the newest commit when it starts, as `read` gives). For reads made
    /// once per customer (a backup's base index).
    ///
    /// `read` costs more than its statements: GRDB prepares its `BEGIN` and `COMMIT` again each
    /// time, and switches `PRAGMA query_only` on and off around it, and each switch expires every
    /// prepared statement of the connection (SQLite compiles each again at its next use, GRDB's
    /// authorizer included). Here the statement itself is checked to be read-only instead.
    ///
    /// - Throws: the store's errors, as for `read`; `SQLITE_READONLY` for a statement that writes.
    public func readRows(sql: String, arguments: StatementArguments) throws -> [Row] {
        do {
            return try queue.unsafeRead { db in
                let statement = try db.cachedStatement(sql: sql)
                guard statement.isReadonly else {
                    throw DatabaseError(resultCode: .SQLITE_READONLY, message: "readRows runs read statements only", sql: sql)
                }
                return try Row.fetchAll(statement, arguments: arguments)
            }
        } catch { throw diagnosed(error) }
    }

    /// Runs `body` in a write transaction; failures become the store's errors, as for `read`.
    public func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.write(body) } catch { throw diagnosed(error) }
    }

    /// Runs `body` outside a transaction (checkpoints); failures become the store's errors, as for `read`.
    @discardableResult
    public func writeWithoutTransaction<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.writeWithoutTransaction(body) } catch { throw diagnosed(error) }
    }

    private func diagnosed(_ error: any Error) -> any Error {
        if SQLiteDamage.isBusy(error) { return failures.busy(url.path) }
        return SQLiteDamage.diagnose(error, file: url).map(failures.damaged) ?? error
    }
}

/// What a store calls the failures of its SQLite file, in its own error enum
/// (`CatalogError.damaged`, `KeyStoreError.storeDamaged`, …).
public struct SQLiteFailures: Sendable {
    let damaged: @Sendable (SQLiteDamage) -> any Error
    let busy: @Sendable (_ path: String) -> any Error
    let unavailable: @Sendable (_ path: String, _ reason: String) -> any Error

    /// The store's error for each failure (its enum's cases, e.g. `CatalogError.damaged`).
    ///
    /// - Parameters:
    ///   - damaged: the file is damaged (what `PRAGMA quick_check` and the failure say).
    ///   - busy: another process held the file (its path) longer than the busy timeout.
    ///   - unavailable: the file (its path) is missing or cannot be opened now, and why.
    public init<Failure: Error>(damaged: @escaping @Sendable (SQLiteDamage) -> Failure,
                                busy: @escaping @Sendable (_ path: String) -> Failure,
                                unavailable: @escaping @Sendable (_ path: String, _ reason: String) -> Failure) {
        self.damaged = damaged
        self.busy = busy
        self.unavailable = unavailable
    }
}
