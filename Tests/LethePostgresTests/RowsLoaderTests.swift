import Foundation
import LetheCore
import LethePostgres
import LetheTestSupport
import Testing

/// ``RowsLoader`` against the real server: a customer's rows, as the backup's
/// `COPY (SELECT … ORDER BY <key>) TO STDOUT (FORMAT csv, HEADER)` writes them, load back
/// row-equal (the same COPY of the loaded rows is byte-equal), in foreign-key order whatever
/// order they are fed in; rows already there, a missing table or column, a refused row each
/// refuse the whole load with nothing written.
@Suite struct RowsLoaderTests {
    /// Three tables, parent to grandchild; pages has an identity (GENERATED ALWAYS) key and a
    /// generated column; comments a two-column key.
    static let schema = [
        "CREATE TABLE tenants (id int PRIMARY KEY, slug text UNIQUE NOT NULL, name text)",
        """
        CREATE TABLE pages (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tenant_id int NOT NULL REFERENCES tenants,
          title text, data bytea, meta jsonb, edited timestamptz, title_length int GENERATED ALWAYS AS (length(title)) STORED)
        """,
        """
        CREATE TABLE comments (page_id bigint REFERENCES pages, n int, tenant_id int NOT NULL REFERENCES tenants,
          body text, PRIMARY KEY (page_id, n))
        """,
    ]
    /// Two customers: `acme` (tenant 1) with every kind of tricky value, `it's` (tenant 2).
    static let rows = [
        "INSERT INTO tenants VALUES (1, 'acme', 'Acme, \"Inc\"'), (2, 'it''s', NULL)",
        """
        INSERT INTO pages (id, tenant_id, title, data, meta, edited) OVERRIDING SYSTEM VALUE VALUES
          (1, 1, NULL, NULL, NULL, NULL),
          (2, 1, '', '\\x'::bytea, '{}', 'infinity'),
          (3, 1, 'quote " and '' apostrophe, comma', '\\x00ff00'::bytea, '{"a": "b\\"c", "n": [1, null]}', '-infinity'),
          (4, 1, E'line\\nbreak and\\r\\ncrlf and\\ttab\\r', '\\x0a0d5c'::bytea, '"\\u00e9"', '2026-11-30 12:00:00.123456+00'),
          (5, 1, 'naïve — 日本語 🙂 \\N \\\\.', '\\x'::bytea, 'null', '1970-01-01 00:00:00+00'),
          (6, 1, repeat('large ', 200000), decode(repeat('00', 100000), 'hex'), '[]', NULL),
          (7, 2, 'another customer', NULL, NULL, NULL)
        """,
        """
        INSERT INTO comments VALUES (2, 1, 1, 'first'), (2, 2, 1, NULL), (3, 1, 1, ''), (4, 1, 1, E'\\\\.\\n\\\\.'),
          (7, 1, 2, 'theirs')
        """,
    ]
    /// The tables, in foreign-key order, with the condition selecting a customer's rows.
    static let tables = [("tenants", "slug = $1"), ("pages", "tenant_id = (SELECT id FROM tenants WHERE slug = $1)"),
                         ("comments", "tenant_id = (SELECT id FROM tenants WHERE slug = $1)")]

    @Test(arguments: [7, 1 << 20])
    func trickyValuesLoadIntoAnotherDatabaseRowEqual(_ chunkSize: Int) throws {
        let source = try Self.filledDatabase()
        let connection = try source.connect()
        let schemas = try Self.schemas(connection)
        let dumps = try Self.dump(connection, customer: "acme")
        let target = try PostgresTestServer.database()
        try target.run(Self.schema[0], Self.schema[1], Self.schema[2])
        let result = try Self.load(try target.connect(), schemas, dumps, chunkSize: chunkSize)
        #expect(result.tables.map(\.name) == ["tenants", "pages", "comments"])
        #expect(result.tables.map(\.rows) == [1, 6, 4])
        #expect(try Self.dump(target.connect(), customer: "acme") == dumps)
        #expect(try target.connect().query("SELECT count(*) FROM tenants").rows == [["1"]])
    }

    @Test func rowsLoadBackIntoTheirTablesInForeignKeyOrderWhateverTheFeedOrder() throws {
        let database = try Self.filledDatabase()
        let connection = try database.connect()
        let schemas = try Self.schemas(connection)
        let dumps = try Self.dump(connection, customer: "acme")
        let others = try Self.dump(connection, customer: "it's")
        try Self.deleteRows(connection, customer: "acme")
        #expect(try Self.counts(connection) == [1, 1, 1])
        // Grandchild first: the loader writes parents first all the same.
        let result = try Self.load(connection, schemas, dumps, feedOrder: ["comments", "pages", "tenants"])
        #expect(result.rows == 11)
        #expect(try Self.dump(connection, customer: "acme") == dumps)
        #expect(try Self.dump(connection, customer: "it's") == others)
    }

    @Test func rowsAlreadyThereAreRefusedAndNothingIsWritten() throws {
        let source = try Self.filledDatabase()
        let schemas = try Self.schemas(source.connect())
        let dumps = try Self.dump(source.connect(), customer: "acme")
        // Another customer's page and comment hold two of acme's keys; acme's tenant row is free.
        let target = try PostgresTestServer.database()
        try target.run(Self.schema[0], Self.schema[1], Self.schema[2], "INSERT INTO tenants VALUES (9, 'other', NULL)",
                       "INSERT INTO pages (id, tenant_id, title) OVERRIDING SYSTEM VALUE VALUES (2, 9, 'x')",
                       "INSERT INTO comments VALUES (2, 1, 9, 'y')")
        let connection = try target.connect()
        let before = try Self.dump(connection, customer: "other")
        let error = try #require(throws: PostgresError.self) { try Self.load(connection, schemas, dumps) }
        guard case .rowsExist(let tables, let rows, _) = error else { Issue.record("\(error)"); return }
        #expect(tables == ["pages", "comments"])
        #expect(rows == 2)
        #expect(error.failureClass == .failed)
        #expect("\(error)".contains("nothing was written"))
        #expect(try Self.counts(connection) == [1, 1, 1])  // acme's tenant row, fed first, is not there either
        #expect(try Self.dump(connection, customer: "other") == before)
        // The connection is out of the transaction and usable.
        #expect(try connection.query("SELECT count(*) FROM pages").rows == [["1"]])

        // Into its own database, untouched: every row is there already.
        let again = try #require(throws: PostgresError.self) { try Self.load(source.connect(), schemas, dumps) }
        #expect(again == .rowsExist(tables: ["tenants", "pages", "comments"], rows: 11, server: try source.connect().server))
    }

    @Test func aMissingTargetColumnOrTableIsRefusedByNameAndNothingIsWritten() throws {
        let source = try Self.filledDatabase()
        let schemas = try Self.schemas(source.connect())
        let dumps = try Self.dump(source.connect(), customer: "acme")
        let target = try PostgresTestServer.database()
        try target.run(Self.schema[0], Self.schema[1], Self.schema[2], "ALTER TABLE pages DROP COLUMN meta")
        let connection = try target.connect()
        let column = try #require(throws: PostgresError.self) { try Self.load(connection, schemas, dumps) }
        #expect(column == .rowsColumnMissing(table: "pages", column: "meta", server: connection.server))
        #expect(try Self.counts(connection) == [0, 0, 0])

        try target.run("DROP TABLE comments")
        let table = try #require(throws: PostgresError.self) { try Self.load(connection, schemas, dumps, only: ["tenants", "comments"]) }
        #expect(table == .rowsTableMissing(table: "comments", server: connection.server))
        #expect("\(table)".contains("comments"))
        #expect(try connection.query("SELECT count(*) FROM tenants").rows == [["0"]])
    }

    @Test func onlyTheTablesAskedForAreLoadedTheOthersAreSkipped() throws {
        let database = try Self.filledDatabase()
        let connection = try database.connect()
        let schemas = try Self.schemas(connection)
        let dumps = try Self.dump(connection, customer: "acme")
        try connection.query("DELETE FROM comments WHERE tenant_id = 1")
        // tenants and pages would collide: skipped, they do not.
        let result = try Self.load(connection, schemas, dumps, only: ["comments"])
        #expect(result.tables == [RowsLoader.TableRows(name: "comments", rows: 4)])
        #expect(try Self.dump(connection, customer: "acme") == dumps)
    }

    @Test func anUnknownTableIsAUsageErrorNamingTheArchivesTables() throws {
        let database = try Self.filledDatabase()
        let connection = try database.connect()
        let error = try #require(throws: PostgresError.self) {
            try RowsLoader(connection: connection).begin(schemas: Self.schemas(connection), only: ["pages", "users"])
        }
        #expect(error == .rowsTableUnknown(table: "users", available: ["tenants", "pages", "comments"]))
        #expect(error.failureClass == .usage)
        #expect("\(error)".contains("tenants, pages, comments"))
    }

    @Test func aRowTheTargetRefusesRollsEverythingBackAndTheConnectionStaysUsable() throws {
        let source = try Self.filledDatabase()
        let schemas = try Self.schemas(source.connect())
        let dumps = try Self.dump(source.connect(), customer: "acme")
        let target = try PostgresTestServer.database()
        try target.run(Self.schema[0], Self.schema[1], Self.schema[2], "ALTER TABLE comments ADD CHECK (body <> 'first')")
        let connection = try target.connect()
        let check = try #require(throws: PostgresError.self) { try Self.load(connection, schemas, dumps) }
        guard case .queryFailed(let state, _) = check else { Issue.record("\(check)"); return }
        #expect(state == "23514")
        #expect(try Self.counts(connection) == [0, 0, 0])

        // pages alone into a database without the tenant: the foreign key refuses at the end.
        let orphan = try #require(throws: PostgresError.self) { try Self.load(connection, schemas, dumps, only: ["pages"]) }
        guard case .queryFailed(let fkState, _) = orphan else { Issue.record("\(orphan)"); return }
        #expect(fkState == "23503")
        #expect(try Self.counts(connection) == [0, 0, 0])

        // A row the column's type cannot take, in the middle of the stream.
        var broken = dumps
        broken["tenants"] = Data("id,slug,name\nnot-a-number,acme,x\n".utf8)
        let type = try #require(throws: PostgresError.self) { try Self.load(connection, schemas, broken) }
        guard case .queryFailed(let typeState, _) = type else { Issue.record("\(type)"); return }
        #expect(typeState == "22P02")
        try connection.query("ALTER TABLE comments DROP CONSTRAINT comments_body_check")
        #expect(try Self.load(connection, schemas, dumps).rows == 11)
    }

    @Test func aHeaderThatIsNotTheArchivedColumnsIsRefused() throws {
        let source = try Self.filledDatabase()
        let schemas = try Self.schemas(source.connect())
        var dumps = try Self.dump(source.connect(), customer: "acme")
        dumps["tenants"] = Data("id,name,slug\n1,acme,x\n".utf8)
        let target = try PostgresTestServer.database()
        try target.run(Self.schema[0], Self.schema[1], Self.schema[2])
        let error = try #require(throws: PostgresError.self) { try Self.load(target.connect(), schemas, dumps) }
        guard case .queryFailed(let state, _) = error else { Issue.record("\(error)"); return }
        #expect(state == "22P04")  // bad_copy_file_format: the header does not match
        #expect(try Self.counts(target.connect()) == [0, 0, 0])
    }

    @Test func aTableMissingFromTheStreamOrGivenTwiceIsOutOfContract() throws {
        let source = try Self.filledDatabase()
        let connection = try source.connect()
        let schemas = try Self.schemas(connection)
        let dumps = try Self.dump(connection, customer: "acme")
        try Self.deleteRows(connection, customer: "acme")
        let missing = try #require(throws: PostgresError.self) { try Self.load(connection, schemas, dumps, feedOrder: ["tenants", "pages"]) }
        guard case .rowsOutOfContract = missing else { Issue.record("\(missing)"); return }
        let twice = try #require(throws: PostgresError.self) {
            try Self.load(connection, schemas, dumps, feedOrder: ["tenants", "tenants", "pages", "comments"])
        }
        guard case .rowsOutOfContract = twice else { Issue.record("\(twice)"); return }
        #expect(try Self.counts(connection) == [1, 1, 1])
    }

    // MARK: - Helpers

    /// A database holding the three tables and both customers.
    static func filledDatabase() throws -> TemporaryDatabase {
        let database = try PostgresTestServer.database()
        try database.run(schema[0], schema[1], schema[2], rows[0], rows[1], rows[2])
        return database
    }

    /// The three tables' descriptions, as `rows/tables.json` holds them.
    static func schemas(_ connection: PostgresConnection) throws -> TableSchemas {
        TableSchemas(tables: try tables.map { name, _ in
            let columns = try connection.query("""
                SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute
                WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum
                """, parameters: [name]).rows.map { TableSchema.Column(name: $0[0]!, type: $0[1]!, notNull: $0[2] == "t") }
            return TableSchema(name: name, columns: columns, primaryKey: try primaryKey(connection, name),
                               references: name == "tenants" ? [] : name == "pages" ? ["tenants"] : ["pages", "tenants"])
        })
    }

    /// The table's primary key columns.
    static func primaryKey(_ connection: PostgresConnection, _ table: String) throws -> [String] {
        try connection.query("""
            SELECT a.attname FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY k.position
            """, parameters: [table]).rows.map { $0[0]! }
    }

    /// One customer's rows, table by table, as the backup's COPY writes them.
    static func dump(_ connection: PostgresConnection, customer: String) throws -> [String: Data] {
        var dumps: [String: Data] = [:]
        for (name, condition) in tables {
            let where_ = condition.replacingOccurrences(of: "$1", with: try connection.escapeLiteral(customer))
            let order = try primaryKey(connection, name).joined(separator: ", ")
            dumps[name] = try PostgresCopyInTests.copyOut(connection,
                "COPY (SELECT * FROM \(name) WHERE (\(where_)) ORDER BY \(order)) TO STDOUT (FORMAT csv, HEADER)")
        }
        return dumps
    }

    /// Deletes a customer's rows, children first.
    static func deleteRows(_ connection: PostgresConnection, customer: String) throws {
        for (name, condition) in tables.reversed() {
            try connection.query("DELETE FROM \(name) WHERE \(condition)", parameters: [customer])
        }
    }

    /// Rows in tenants, pages, comments.
    static func counts(_ connection: PostgresConnection) throws -> [Int] {
        try tables.map { name, _ in Int(try connection.query("SELECT count(*) FROM \(name)").rows[0][0]!)! }
    }

    /// Loads `dumps` as a caller reading an archive would: begin, each table's bytes pushed in
    /// chunks, commit.
    @discardableResult
    static func load(_ connection: PostgresConnection, _ schemas: TableSchemas, _ dumps: [String: Data], only: [String] = [],
                     feedOrder: [String] = tables.map(\.0), chunkSize: Int = 4096) throws -> RowsLoader.Result {
        let loader = RowsLoader(connection: connection)
        try loader.begin(schemas: schemas, only: only)
        for name in feedOrder {
            try loader.load(table: name) { try PostgresCopyInTests.push(dumps[name]!, in: chunkSize, to: $0) }
        }
        return try loader.commit()
    }
}
