import Foundation
import LethePostgres
import LetheTestSupport
import Testing

/// `lethe restore --into-database` through the real binary against the PostgreSQL test cluster:
/// a customer's rows come back row-equal in one transaction, parents first; rows whose primary
/// key is already there refuse the whole load with nothing written; `--table` loads some tables.
@Suite struct RestoreIntoDatabaseTests {
    /// The golden files of this suite.
    static let goldenNames = ["restore-into-database.json"]

    /// A home backed up with acme's tricky rows, and an empty database with the same schema.
    final class Place {
        let source: DatabaseBackupTests.Place
        let target: TemporaryDatabase

        init() throws {
            source = try DatabaseBackupTests.Place()
            try source.database.run(DatabaseBackupTests.trickyPages, "INSERT INTO notes VALUES (7, 1, 'acme note')")
            try source.fixture.succeed(["backup"])
            target = try PostgresTestServer.database()
            let connection = try target.connect()
            for statement in DatabaseBackupTests.schema { try connection.query(statement) }
        }

        func load(_ extra: [String] = [], into url: String? = nil) throws -> LetheProcess.Result {
            try source.fixture.lethe(["restore", "--customer", "acme", "--into-database", url ?? target.url] + extra)
        }

        /// Every row of `table` in `database`, as CSV ordered by id.
        func rows(_ table: String, in database: TemporaryDatabase, slug: String? = nil) throws -> [UInt8] {
            let connection = try database.connect()
            let condition = try slug.map { String(format: DatabaseBackupTests.conditions[table]!, try connection.escapeLiteral($0)) } ?? "true"
            var bytes: [UInt8] = []
            try connection.copyOut("COPY (SELECT * FROM \(table) WHERE (\(condition)) ORDER BY id) TO STDOUT (FORMAT csv, HEADER)") {
                bytes.append(contentsOf: $0)
            }
            return bytes
        }
    }

    @Test func theRowsLoadBackRowEqualParentsFirst() throws {
        let place = try Place()
        let result = try place.load()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasSuffix(": tenants 1 row, pages 4 rows, notes 1 row\n"), "\(result.stdout)")
        for table in ["tenants", "pages", "notes"] {
            #expect(try place.rows(table, in: place.target) == (try place.rows(table, in: place.source.database, slug: "acme")), "\(table)")
        }
    }

    @Test func rowsAlreadyThereRefuseTheWholeLoadAndNothingIsWritten() throws {
        let place = try Place()
        // Only acme's note is already there: the tenant and pages, which come first, must not be written either.
        try place.target.run("INSERT INTO tenants (id, slug) VALUES (9, 'other')", "INSERT INTO notes VALUES (7, 9, 'not acme')")
        let before = try ["tenants", "pages", "notes"].map { try place.rows($0, in: place.target) }
        let result = try place.load()
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("notes"), "\(result.stderr)")
        #expect(try ["tenants", "pages", "notes"].map { try place.rows($0, in: place.target) } == before)
        // Into the database the rows came from: every row is already there.
        let again = try place.load(into: place.source.database.url)
        #expect(again.status == 1, "\(again.stderr)")
    }

    @Test func tableLoadsOnlyTheTablesNamed() throws {
        let place = try Place()
        let result = try place.load(["--table", "tenants", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let outcome = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect((outcome?["tables"] as? [[String: Any]])?.map { $0["name"] as? String } == ["tenants"])
        #expect(try place.rows("tenants", in: place.target) == (try place.rows("tenants", in: place.source.database, slug: "acme")))
        #expect(try place.rows("pages", in: place.target) == Array("id,tenant_id,body,data,meta,at\n".utf8))

        let unknown = try place.load(["--table", "invoices"])
        #expect(unknown.status == 64, "\(unknown.stderr)")
        #expect(unknown.stderr.contains("invoices") && unknown.stderr.contains("tenants"), "\(unknown.stderr)")
    }

    @Test func theJSONOutputIsPinned() throws {
        let place = try Place()
        let result = try place.load(["--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let actual = GoldenNormaliser.normalise(result.stdout, root: place.source.fixture.root.url, extra: [
            (pattern: "127\\.0\\.0\\.1:[0-9]+", prefix: "host"), (pattern: "lethe_test_[0-9a-f]+", prefix: "database"),
        ])
        guard let expected = try GoldenFile.expected("restore-into-database.json", actual: actual, bundle: .module) else { return }
        #expect(actual == expected, "if intended, re-record with LETHE_RECORD_GOLDEN=1")
    }

    @Test func anArchiveWithoutRowsSaysSoWithExit5() throws {
        let fixture = try CLIFixture(customers: ["acme": ["a.txt": Array("files only".utf8)]])
        try fixture.succeed(["backup"])
        let target = try PostgresTestServer.database()
        let result = try fixture.lethe(["restore", "--customer", "acme", "--into-database", target.url])
        #expect(result.status == 5, "\(result.stderr)")
        #expect(result.stderr.contains("holds no database rows"), "\(result.stderr)")
    }
}
