import Foundation
import LethePostgres
import LetheTestSupport
import Testing

/// A home with a database: each customer's rows go into their archive beside their files, read
/// in one REPEATABLE READ READ ONLY transaction, and restore to `DIR/rows/<table>.csv` byte-equal
/// to PostgreSQL's own `COPY … CSV HEADER`, with the files under `DIR/files/`. Through the real
/// binary against the PostgreSQL test cluster (scripts/pg-test-server.sh).
@Suite struct DatabaseBackupTests {
    static let schema = [
        "CREATE TABLE tenants (id serial PRIMARY KEY, slug text UNIQUE NOT NULL, name text)",
        "CREATE TABLE pages (id serial PRIMARY KEY, tenant_id int NOT NULL REFERENCES tenants, body text, data bytea, meta jsonb, at timestamptz)",
        "CREATE TABLE notes (id int PRIMARY KEY, tenant_id int REFERENCES tenants, body text)",
    ]

    /// Children before their parents in the map: the archive puts them in foreign-key order.
    static func map(customers: Bool = true, pagesExtra: String = "", tenantsExtra: String = "") -> String {
        (customers ? "customers: SELECT slug FROM tenants ORDER BY slug\n" : "") + """
            tables:
              pages: "tenant_id = (SELECT id FROM tenants WHERE slug = $1)\(pagesExtra)"
              notes: "tenant_id = (SELECT id FROM tenants WHERE slug = $1)"
              tenants: "slug = $1\(tenantsExtra)"

            """
    }

    /// Pages of acme (tenant 1) with every value that is hard to get through CSV, and one of
    /// beta's: NULL and empty, quotes, commas, newlines, `\r\n`, tabs, unicode, bytea with zero
    /// bytes, jsonb, ±infinity, and 1.6 MB of text (it spans two pieces).
    static let trickyPages = """
        INSERT INTO pages (tenant_id, body, data, meta, at) VALUES
          (1, NULL, NULL, NULL, NULL),
          (1, '', '\\x0001000200'::bytea, '{"a": [1, "x\\"y"], "b": null}', 'infinity'),
          (1, E'quote " comma , newline \\n crlf \\r\\n tab \\t unicode ✓ é 🙂 backslash \\\\', '\\x'::bytea, 'null', '-infinity'),
          (1, '\(String(repeating: "0123456789abcdef", count: 100_000))', '\\x00'::bytea, '[]', '2026-01-01 12:00:00.123456+02'),
          (2, 'beta page', NULL, NULL, NULL)
        """

    /// What each condition selects, as the test writes it, for `COPY … CSV HEADER`.
    static let conditions = [
        "tenants": "slug = %@",
        "pages": "tenant_id = (SELECT id FROM tenants WHERE slug = %@)",
        "notes": "tenant_id = (SELECT id FROM tenants WHERE slug = %@)",
    ]

    /// A database with the schema, tenants acme (with a folder), beta (rows only) and gamma,
    /// and a home whose source has acme's folder.
    final class Place {
        let database: TemporaryDatabase
        let fixture: CLIFixture

        init(map: String = DatabaseBackupTests.map(), setUp: [String] = []) throws {
            database = try PostgresTestServer.database()
            let connection = try database.connect()
            for statement in DatabaseBackupTests.schema + setUp { try connection.query(statement) }
            try connection.query("INSERT INTO tenants (slug, name) VALUES ('acme', 'v1'), ('beta', 'v1'), ('gamma', 'v1')")
            let url = database.url
            fixture = try CLIFixture(customers: ["acme": ["a.txt": Array("acme's file".utf8)]], initArguments: { root in
                let file = root.appendingPathComponent("map.yaml")
                try? Data(map.utf8).write(to: file)
                return ["--database-url", url, "--database-map", file.path]
            })
        }

        /// `COPY (SELECT * FROM table WHERE … ORDER BY id) TO STDOUT (FORMAT csv, HEADER)` for `slug`, as the server writes it.
        func copy(_ table: String, slug: String) throws -> [UInt8] {
            let connection = try database.connect()
            let condition = String(format: DatabaseBackupTests.conditions[table]!, try connection.escapeLiteral(slug))
            var bytes: [UInt8] = []
            try connection.copyOut("COPY (SELECT * FROM \(table) WHERE (\(condition)) ORDER BY id) TO STDOUT (FORMAT csv, HEADER)") {
                bytes.append(contentsOf: $0)
            }
            return bytes
        }

        /// Restores `customer` into a fresh folder; returns it.
        func restore(_ customer: String) throws -> URL {
            let target = fixture.root.url.appendingPathComponent("restored-\(customer)")
            try fixture.succeed(["restore", "--customer", customer, "--to", target.path])
            return target
        }
    }

    @Test func trickyValuesRestoreByteEqualToCopyBesideTheFiles() throws {
        let place = try Place()
        try place.database.run(Self.trickyPages, "INSERT INTO pages (tenant_id, body) VALUES (3, 'gamma page')")
        let backup = try place.fixture.lethe(["backup"])
        #expect(backup.status == 0, "\(backup.stderr)")

        let acme = try place.restore("acme")
        #expect(try FileManager.default.contentsOfDirectory(atPath: acme.path).sorted() == ["files", "rows"])
        #expect(try String(contentsOf: acme.appendingPathComponent("files/a.txt"), encoding: .utf8) == "acme's file")
        for table in ["tenants", "pages", "notes"] {
            let restored = try Array(Data(contentsOf: acme.appendingPathComponent("rows/\(table).csv")))
            #expect(restored == (try place.copy(table, slug: "acme")), "\(table)")
        }
        // A condition matching nothing: the header alone.
        #expect(try String(contentsOf: acme.appendingPathComponent("rows/notes.csv"), encoding: .utf8) == "id,tenant_id,body\n")
        let schemas = try JSONDecoder().decode(TableSchemas.self, from: Data(contentsOf: acme.appendingPathComponent("rows/tables.json")))
        #expect(schemas.tables.map(\.name) == ["tenants", "pages", "notes"])
        let pages = try #require(schemas.tables.first { $0.name == "pages" })
        #expect(pages.primaryKey == ["id"] && pages.references == ["tenants"])
        #expect(pages.columns.map(\.type) == ["integer", "integer", "text", "bytea", "jsonb", "timestamp with time zone"])
        #expect(pages.columns.map(\.notNull) == [true, true, false, false, false, false])

        // beta has rows and no folder: an archive of rows only.
        let restoredBeta = place.fixture.root.url.appendingPathComponent("restored-beta")
        let output = try place.fixture.succeed(["restore", "--customer", "beta", "--to", restoredBeta.path])
        #expect(output.contains("0 files, 0 folders, 0 symlinks, 0 bytes (under files/), and the rows of 3 tables (under rows/)"), "\(output)")
        let beta = restoredBeta
        #expect(try FileManager.default.contentsOfDirectory(atPath: beta.path) == ["rows"])
        #expect(try Array(Data(contentsOf: beta.appendingPathComponent("rows/pages.csv"))) == (try place.copy("pages", slug: "beta")))
    }

    @Test func anUnreachableDatabaseFailsTheRunWithExit1BeforeAnySetIsRecorded() throws {
        let place = try Place()
        let file = place.fixture.home.appendingPathComponent("lethe.json")
        let text = try String(contentsOf: file, encoding: .utf8).replacingOccurrences(of: place.database.url, with: "postgresql://postgres@127.0.0.1:1/gone")
        try Data(text.utf8).write(to: file)
        let backup = try place.fixture.lethe(["backup"])
        #expect(backup.status == 1, "\(backup.stderr)")
        #expect(backup.stderr.contains("cannot reach the database postgres@127.0.0.1:1/gone"), "\(backup.stderr)")
        #expect(try place.fixture.succeed(["list", "sets", "--json"]).filter { !$0.isWhitespace } == "[]")
    }

    /// The map is proved against the database when the run starts, as `database check` proves it:
    /// a table dropped since init stops the run with the map's line (usage, 64) before any set.
    @Test func aMappedTableMissingFromTheDatabaseStopsTheRunWithItsLineBeforeAnySet() throws {
        let place = try Place()
        try place.database.run("DROP TABLE notes")
        let backup = try place.fixture.lethe(["backup"])
        #expect(backup.status == 64, "\(backup.stderr)")
        #expect(backup.stderr.contains("database-map.yaml:4: the table notes does not exist in the database"), "\(backup.stderr)")
        #expect(try place.fixture.succeed(["list", "sets", "--json"]).filter { !$0.isWhitespace } == "[]")
    }

    /// A condition the server refuses for one id quotes that id in its message ("invalid input
    /// syntax for type integer: …"): the failure is reported without the customer id (invariant 9).
    @Test func aRefusedConditionNeverPutsTheCustomerIdInTheLog() throws {
        let place = try Place(map: Self.map(customers: false, pagesExtra: " AND id = $1::integer"))
        let backup = try place.fixture.lethe(["backup"])
        #expect(backup.status == 1, "its only customer failed: \(backup.stderr)")
        #expect(backup.stderr.contains("invalid input syntax for type integer") && backup.stderr.contains("<customer id>"), "\(backup.stderr)")
        #expect(!backup.stderr.contains("acme"), "\(backup.stderr)")
    }

    @Test func theDatabaseGoingAwayMidCustomerFailsThatCustomerAndStoresNothingOfIt() throws {
        // Killing its own session while reading beta's pages (after tenants was written).
        let kill = """
            CREATE FUNCTION lethe_test_kill(slug text) RETURNS boolean LANGUAGE plpgsql AS $$
            BEGIN IF slug = 'beta' THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF; RETURN true; END $$
            """
        let place = try Place(map: Self.map(pagesExtra: " AND lethe_test_kill($1)"), setUp: [kill])
        try place.database.run("INSERT INTO pages (tenant_id, body) VALUES (1, 'a'), (2, 'b'), (3, 'c')")
        let backup = try place.fixture.lethe(["backup", "--json"])
        #expect(backup.status == 2, "\(backup.stderr)")
        let outcome = try #require(try JSONSerialization.jsonObject(with: Data(backup.stdout.utf8)) as? [String: Any])
        let statuses = (outcome["customers"] as? [[String: Any]] ?? []).compactMap { $0["status"] as? String }.sorted()
        #expect(statuses == ["committed", "committed", "failed"])
        #expect(backup.stderr.contains("the connection to the database"), "\(backup.stderr)")
        #expect(try place.fixture.copies(customer: "beta").isEmpty)
        #expect(try place.fixture.copies(customer: "acme").count == 1)
        #expect(try place.fixture.copies(customer: "gamma").count == 1)
    }

    @Test func aCustomersRowsAreReadInOneSnapshot() throws {
        // The backup waits on an advisory lock the test holds while reading acme's tenants row
        // (the first table): the test then updates both tables in one transaction and lets it go
        // on. The archive must hold both rows as they were; READ COMMITTED, which takes a new
        // snapshot for the pages statement, shows the new page beside the old tenant.
        let wait = """
            CREATE FUNCTION lethe_test_wait() RETURNS boolean LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_advisory_lock_shared(4242); PERFORM pg_advisory_unlock_shared(4242); RETURN true; END $$
            """
        let place = try Place(map: Self.map(customers: false, tenantsExtra: " AND lethe_test_wait()"), setUp: [wait])
        try place.database.run("INSERT INTO pages (tenant_id, body) VALUES (1, 'v1')")
        let holder = try place.database.connect()
        try holder.query("SELECT pg_advisory_lock(4242)")
        let running = LetheProcess.start(["backup", "--home", place.fixture.home.path], environment: place.fixture.environment)
        try running.process.run()
        let watcher = try place.database.connect()
        var waiting = false
        for _ in 0..<6000 where !waiting {
            waiting = try watcher.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").rows.first?.first == "1"
            if !waiting { usleep(10_000) }
        }
        #expect(waiting)
        try watcher.query("BEGIN")
        try watcher.query("UPDATE tenants SET name = 'v2' WHERE slug = 'acme'")
        try watcher.query("UPDATE pages SET body = 'v2' WHERE tenant_id = 1")
        try watcher.query("COMMIT")
        try holder.query("SELECT pg_advisory_unlock(4242)")
        _ = running.stdout.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: running.stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        running.process.waitUntilExit()
        #expect(running.process.terminationStatus == 0, "\(stderr)")

        let acme = try place.restore("acme")
        let tenants = try String(contentsOf: acme.appendingPathComponent("rows/tenants.csv"), encoding: .utf8)
        let pages = try String(contentsOf: acme.appendingPathComponent("rows/pages.csv"), encoding: .utf8)
        #expect(tenants == "id,slug,name\n1,acme,v1\n")
        #expect(pages == "id,tenant_id,body,data,meta,at\n1,1,v1,,,\n")
    }

    /// A weekly differential of a customer with rows (issue 15): the rows are written in full, the
    /// unchanged file comes from the monthly, and the restore holds both under rows/ and files/.
    @Test func aDifferentialHoldsItsRowsInFullAndItsUnchangedFilesFromTheBase() throws {
        let place = try Place()
        try place.database.run("INSERT INTO pages (tenant_id, body) VALUES (1, 'v1')")
        place.fixture.environment["LETHE_NOW"] = "2026-11-01T01:00:00Z"
        try place.fixture.succeed(["backup"])
        try place.database.run("UPDATE pages SET body = 'v2' WHERE tenant_id = 1")
        try Data("new".utf8).write(to: place.fixture.source.appendingPathComponent("acme/b.txt"))
        place.fixture.environment["LETHE_NOW"] = "2026-11-02T01:00:00Z"
        try place.fixture.succeed(["backup"])
        let copies = try place.fixture.copies(customer: "acme").filter { $0["location"] as? String == "local" }
        #expect(copies.map { $0["base"] is NSNull } == [true, false], "\(copies)")
        let acme = try place.restore("acme")
        #expect(try String(contentsOf: acme.appendingPathComponent("files/a.txt"), encoding: .utf8) == "acme's file")
        #expect(try String(contentsOf: acme.appendingPathComponent("files/b.txt"), encoding: .utf8) == "new")
        let pages = try String(contentsOf: acme.appendingPathComponent("rows/pages.csv"), encoding: .utf8)
        #expect(pages.contains(",v2,") && !pages.contains(",v1,"), "\(pages)")
    }

    @Test func aShreddedCustomerWhoseRowsRemainIsFlaggedWithTheTables() throws {
        let place = try Place()
        try place.database.run("INSERT INTO pages (tenant_id, body) VALUES (1, 'a'), (2, 'b')")
        try place.fixture.succeed(["backup"])
        try place.fixture.succeed(["shred", "--customer", "acme", "--request", "GDPR-1", "--yes"])
        try place.fixture.succeed(["shred", "--customer", "beta", "--request", "GDPR-2", "--yes"])
        place.fixture.environment["LETHE_NOW"] = "2026-11-02T00:00:00Z"

        let backup = try place.fixture.lethe(["backup", "--json"])
        #expect(backup.status == 2, "\(backup.stderr)")
        let outcome = try #require(try JSONSerialization.jsonObject(with: Data(backup.stdout.utf8)) as? [String: Any])
        let customers = outcome["customers"] as? [[String: Any]] ?? []
        let messages = customers.filter { $0["status"] as? String == "shredded" }.compactMap { $0["message"] as? String }.sorted()
        #expect(messages.count == 2, "\(backup.stdout)")
        // acme: folder and rows (pages, tenants: children first, the order to delete; notes holds none); beta: rows only.
        #expect(messages.contains { $0.contains("but their folder is still in the source tree and their rows are still in the database (tables pages, tenants)")
            && $0.hasSuffix("delete the files first, then the rows") }, "\(messages)")
        #expect(messages.contains { $0.contains("but their rows are still in the database (tables pages, tenants)")
            && !$0.contains("folder") && $0.hasSuffix("delete the rows") }, "\(messages)")

        // Once the rows are gone, beta is no longer listed; acme's folder alone is flagged as before.
        try place.database.run("DELETE FROM pages WHERE tenant_id IN (1, 2)", "DELETE FROM tenants WHERE slug IN ('acme', 'beta')")
        let after = try place.fixture.lethe(["backup", "--json"])
        let left = (try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [String: Any])?["customers"] as? [[String: Any]] ?? []
        let flagged = left.filter { $0["status"] as? String == "shredded" }.compactMap { $0["message"] as? String }
        #expect(flagged.count == 1 && flagged[0].hasSuffix("it was not backed up; remove the folder"), "\(flagged)")
    }

    @Test func aCustomerWhoseIdIsNotUTF8GetsNoRowsWithAWarning() throws {
        let place = try Place()
        let name: [UInt8] = [0x62, 0xFF]
        let folder = Array(place.fixture.source.path.utf8) + [0x2F] + name
        #expect(folder.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { pointer in
                Array(pointer) + [0]
            }.withUnsafeBufferPointer { mkdir($0.baseAddress!, 0o700) }
        } == 0)
        let backup = try place.fixture.lethe(["backup", "--json"])
        #expect(backup.status == 0, "\(backup.stderr)")
        let outcome = try #require(try JSONSerialization.jsonObject(with: Data(backup.stdout.utf8)) as? [String: Any])
        let warnings = (outcome["customers"] as? [[String: Any]] ?? []).flatMap { $0["warnings"] as? [String] ?? [] }
        #expect(warnings == ["the customer's id is not UTF-8 text, which PostgreSQL cannot compare: no rows were backed up; rename the folder to UTF-8"])
    }

    @Test func exportWritesEachTableAsOneCSVBesideTheFiles() throws {
        let place = try Place()
        let big = String(repeating: "0123456789abcdef", count: 100_000)  // spans two pieces
        try place.database.run("INSERT INTO pages (tenant_id, body) VALUES (1, 'one'), (1, '\(big)'), (2, 'beta')")
        try place.fixture.succeed(["backup"])
        let archive = place.fixture.root.url.appendingPathComponent("acme.tar")
        try place.fixture.succeed(["export", "--customer", "acme", "--out", archive.path])
        let listing = try LetheProcess.tool(["tar", "-tf", archive.path])
        #expect(listing.status == 0)
        #expect(listing.output.split(separator: "\n").filter { !$0.hasPrefix("tar: ") }.sorted() == ["files/a.txt", "rows/notes.csv", "rows/pages.csv", "rows/tables.json", "rows/tenants.csv"],
                "\(listing.output)")
        let unpacked = place.fixture.root.url.appendingPathComponent("unpacked")
        try FileManager.default.createDirectory(at: unpacked, withIntermediateDirectories: false)
        #expect(try LetheProcess.tool(["tar", "-xf", archive.path, "-C", unpacked.path]).status == 0)
        for table in ["tenants", "pages", "notes"] {
            #expect(try Array(Data(contentsOf: unpacked.appendingPathComponent("rows/\(table).csv"))) == (try place.copy(table, slug: "acme")), "\(table)")
        }
        #expect(try String(contentsOf: unpacked.appendingPathComponent("files/a.txt"), encoding: .utf8) == "acme's file")
    }
}
