import Foundation
import GRDB
import GRDBSQLite
import LetheSQLite
import LetheTestSupport
import Testing

/// `SQLiteFile.readRows`, the read of one statement without an explicit transaction (a backup's
/// per-customer reads): it sees what another connection committed before it started, as `read`
/// does; it runs read statements only, as `read` does; and it leaves the connection's cached
/// statements compiled (GRDB's `read` switches `PRAGMA query_only` on and off, and each switch
/// expires every statement of the connection: SQLite compiles each again at its next use).
@Suite struct SQLiteFileReadTests {
    struct Refused: Error {}

    func file() throws -> (TemporaryDirectory, SQLiteFile) {
        let folder = try TemporaryDirectory(prefix: "lethe-sqlite-read")
        let schema = SQLiteSchema([(name: "v1", sql: "CREATE TABLE marks (name TEXT PRIMARY KEY)")])
        let file = try SQLiteFile(url: folder.url.appendingPathComponent("test.sqlite"), existing: false, schema: schema,
                                  failures: SQLiteFailures(damaged: { _ in Refused() }, busy: { _ in Refused() },
                                                           unavailable: { _, _ in Refused() }))
        return (folder, file)
    }

    @Test func aStatementReadSeesWhatAnotherConnectionCommitted() throws {
        let (folder, file) = try file()
        defer { withExtendedLifetime(folder) {} }
        let count = { try file.readRows(sql: "SELECT COUNT(*) FROM marks", arguments: []).first?[0] as Int? }
        #expect(try count() == 0)
        let other = try DatabaseQueue(path: file.url.path)
        try other.write { try $0.execute(sql: "INSERT INTO marks(name) VALUES ('shredded')") }
        #expect(try count() == 1)
    }

    @Test func aStatementReadRunsNoWrite() throws {
        let (folder, file) = try file()
        defer { withExtendedLifetime(folder) {} }
        #expect(throws: (any Error).self) { try file.readRows(sql: "INSERT INTO marks(name) VALUES ('x')", arguments: []) }
        #expect(try file.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM marks") } == 0)
    }

    @Test func aStatementReadLeavesCachedStatementsCompiled() throws {
        let (folder, file) = try file()
        defer { withExtendedLifetime(folder) {} }
        let insert = "INSERT INTO marks(name) VALUES (?)"
        /// Runs the cached insert and returns how often SQLite has compiled it again.
        func insertAndCountRecompiles(_ name: String) throws -> Int32 {
            try file.write { db in
                let statement = try db.cachedStatement(sql: insert)
                try statement.execute(arguments: [name])
                return sqlite3_stmt_status(statement.sqliteStatement, SQLITE_STMTSTATUS_REPREPARE, 0)
            }
        }
        let before = try insertAndCountRecompiles("a")
        _ = try file.readRows(sql: "SELECT name FROM marks WHERE name = ?", arguments: ["a"])
        #expect(try insertAndCountRecompiles("b") == before, "the read expired the connection's statements")
    }
}
