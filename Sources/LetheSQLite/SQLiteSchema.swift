import GRDB

/// A store's tables: the migrations that make them, in order, each a name (recorded in the file
/// once run) and the SQL it runs.
public struct SQLiteSchema: Sendable {
    let migrations: [(name: String, sql: String)]

    /// The schema of `migrations`, oldest first. A migration, once released, never changes:
    /// a change is a new migration.
    public init(_ migrations: [(name: String, sql: String)]) {
        self.migrations = migrations
    }

    /// Migrates when the file is behind; a read-only check otherwise, so opening an up-to-date
    /// file costs no write transaction (and no fsync).
    func migrateIfNeeded(_ queue: DatabaseQueue) throws {
        var migrator = DatabaseMigrator()
        for (name, sql) in migrations {
            migrator.registerMigration(name) { db in try db.execute(sql: sql) }
        }
        if try queue.read({ try migrator.hasCompletedMigrations($0) }) { return }
        try migrator.migrate(queue)
    }
}
