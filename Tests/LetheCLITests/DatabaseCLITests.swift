import Foundation
import LetheTestSupport
import Testing

/// `lethe database check` and `lethe init --database-url … --database-map …` through the real
/// binary, against the PostgreSQL test cluster (scripts/pg-test-server.sh): file:line problems
/// exit 64, an unreachable database exits 1, passwords come from PGPASSWORD, a pgpass file or
/// --database-password-file and never from the URL.
@Suite struct DatabaseCLITests {
    /// The golden files of this suite.
    static let goldenNames = ["database-check.json"]

    /// The schema of a small SaaS: tenants, their pages, comments on pages, an audit table that
    /// points at tenants.
    static let schema = [
        "CREATE TABLE tenants (id serial PRIMARY KEY, slug text UNIQUE NOT NULL, closed_at timestamptz)",
        "CREATE TABLE pages (id serial PRIMARY KEY, tenant_id int NOT NULL REFERENCES tenants, body text)",
        "CREATE TABLE comments (id serial PRIMARY KEY, page_id int NOT NULL REFERENCES pages, body text)",
        "CREATE TABLE audit (id serial PRIMARY KEY, tenant_id int REFERENCES tenants)",
    ]

    /// The issue's map, for the schema above (comments and audit left out).
    static let map = """
        # customers that have rows but no folder are backed up too
        customers: SELECT slug FROM tenants WHERE closed_at IS NULL
        tables:
          tenants: "slug = $1"
          pages:   "tenant_id = (SELECT id FROM tenants WHERE slug = $1)"

        """

    /// A folder with the map (and room for a home), and a database with the schema.
    final class Place {
        let root: TemporaryDirectory
        let database: TemporaryDatabase
        var mapFile: URL { root.url.appendingPathComponent("map.yaml") }
        /// A clean environment: no PGPASSWORD, and a pgpass file that does not exist.
        var environment: [String: String]

        init(map: String = DatabaseCLITests.map) throws {
            database = try PostgresTestServer.database()
            root = try TemporaryDirectory(prefix: "lethe-db")
            environment = ["PGPASSFILE": root.url.appendingPathComponent("no-pgpass").path]
            try database.run(DatabaseCLITests.schema[0], DatabaseCLITests.schema[1], DatabaseCLITests.schema[2], DatabaseCLITests.schema[3])
            try Data(map.utf8).write(to: mapFile)
        }

        func check(_ extra: [String] = [], url: String? = nil) throws -> LetheProcess.Result {
            try LetheProcess.run(["database", "check", mapFile.path, "--database-url", url ?? database.url] + extra, environment: environment)
        }
    }

    @Test func theMapChecksAgainstTheDatabaseAndWarnsAboutUnmappedReferences() throws {
        let place = try Place()
        let result = try place.check()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "\(place.mapFile.path): ok (2 tables, a customers query; checked against postgres@\(Self.hostPort())/\(place.database.name))\n")
        let warnings = result.stderr.split(separator: "\n").map(String.init)
        #expect(warnings.count == 2, "\(result.stderr)")
        #expect(warnings.first { $0.contains("the table audit references tenants (foreign key audit_tenant_id_fkey) but is not in the map") } != nil)
        #expect(warnings.first { $0.contains("the table comments references pages (foreign key comments_page_id_fkey) but is not in the map") } != nil)
        #expect(warnings.allSatisfy { $0.hasPrefix("lethe: warning: \(place.mapFile.path): ") && $0.hasSuffix("add it to tables") })
    }

    @Test func mappingEveryReferencingTableLeavesNoWarning() throws {
        let place = try Place(map: Self.map + """
              comments: "page_id IN (SELECT p.id FROM pages p JOIN tenants t ON t.id = p.tenant_id WHERE t.slug = $1)"
              audit: "tenant_id = (SELECT id FROM tenants WHERE slug = $1)"

            """)
        let result = try place.check()
        #expect(result.status == 0 && result.stderr.isEmpty, "\(result.stderr)")
    }

    @Test func aMissingTableIsAUsageErrorNamingItsLine() throws {
        let place = try Place(map: Self.map + "  files: \"tenant_id = (SELECT id FROM tenants WHERE slug = $1)\"\n")
        let result = try place.check()
        #expect(result.status == 64)
        #expect(result.stderr.contains("\(place.mapFile.path):6: the table files does not exist in the database"), "\(result.stderr)")
    }

    @Test func aConditionTheServerRefusesIsAUsageErrorWithTheServersMessage() throws {
        let place = try Place(map: "tables:\n  tenants: \"slug = $1\"\n  pages: \"tenant = $1\"\n  audit: \"tenant_id = $1\"\n")
        let result = try place.check()
        #expect(result.status == 64)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(result.stderr)")
        #expect(lines.first?.hasPrefix("lethe: \(place.mapFile.path):3: the condition of pages does not compile (SQLSTATE 42703: column \"tenant\" does not exist)") == true)
        // An integer compared with the text id: the fix names the cast.
        #expect(lines.last?.hasPrefix("\(place.mapFile.path):4: the condition of audit does not compile (SQLSTATE 42883: operator does not exist: integer = text)") == true)
        #expect(lines.last?.contains("$1::integer") == true)
    }

    @Test func aConditionThatCannotTakeATextIdIsAWarning() throws {
        let place = try Place(map: "tables:\n  audit: \"tenant_id = $1::integer\"\n")
        let result = try place.check()
        #expect(result.status == 0)
        #expect(result.stderr.contains("the condition of audit cannot take the id 'lethe-check' (invalid input syntax for type integer"), "\(result.stderr)")
    }

    @Test func theCustomersQueryMustReturnOneColumn() throws {
        let place = try Place(map: "customers: SELECT slug, id FROM tenants\ntables:\n  tenants: \"slug = $1\"\n")
        let result = try place.check()
        #expect(result.status == 64)
        #expect(result.stderr.contains("\(place.mapFile.path):1: the customers query returns 2 columns"), "\(result.stderr)")
    }

    /// A condition is placed inside a statement: one that closes it and adds another is refused
    /// (libpq sends one statement), and the other never runs.
    @Test func aConditionCannotSmuggleInAnotherStatement() throws {
        let place = try Place(map: "tables:\n  tenants: \"slug = $1); DELETE FROM pages; --\"\n")
        try place.database.run("INSERT INTO tenants (slug) VALUES ('acme')", "INSERT INTO pages (tenant_id) VALUES (1)")
        let result = try place.check()
        #expect(result.status == 64)
        #expect(result.stderr.contains(":2: the condition of tenants does not compile (SQLSTATE 42601: cannot insert multiple commands into a prepared statement)"),
                "\(result.stderr)")
        #expect(try place.database.connect().query("SELECT count(*) FROM pages").rows == [["1"]])
    }

    @Test func theJSONOutputIsPinned() throws {
        let place = try Place()
        let result = try place.check(["--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        let actual = GoldenNormaliser.normalise(result.stdout, root: place.root.url, extra: [
            (pattern: "127\\.0\\.0\\.1:[0-9]+", prefix: "host"), (pattern: "lethe_test_[0-9a-f]+", prefix: "database"),
        ])
        guard let expected = try GoldenFile.expected("database-check.json", actual: actual, bundle: .module) else { return }
        #expect(actual == expected, "if intended, re-record with LETHE_RECORD_GOLDEN=1")
    }

    @Test func withoutAURLOnlyTheSyntaxIsCheckedAndProblemsExit64() throws {
        let root = try TemporaryDirectory(prefix: "lethe-db")
        let file = root.url.appendingPathComponent("map.yaml")
        try Data(Self.map.utf8).write(to: file)
        let ok = try LetheProcess.run(["database", "check", file.path])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("syntax only: pass --database-url"))
        try Data("tables:\n  pages: \"tenant_id = 7\"\n  \"a b\": \"x = $1\"\n".utf8).write(to: file)
        let bad = try LetheProcess.run(["database", "check", file.path])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("\(file.path):2: the condition of pages does not use $1"))
        #expect(bad.stderr.contains("\(file.path):3: 'a b' is not a table name"))
    }

    @Test func anUnreachableDatabaseExits1SayingWhatToCheck() throws {
        let root = try TemporaryDirectory(prefix: "lethe-db")
        let file = root.url.appendingPathComponent("map.yaml")
        try Data(Self.map.utf8).write(to: file)
        let result = try LetheProcess.run(["database", "check", file.path, "--database-url", "postgresql://app@127.0.0.1:1/crm"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("lethe: cannot reach the database app@127.0.0.1:1/crm ("), "\(result.stderr)")
        #expect(result.stderr.contains("check the host and port"))
    }

    @Test func aURLWithAPasswordIsRefusedWithExit64() throws {
        let root = try TemporaryDirectory(prefix: "lethe-db")
        let file = root.url.appendingPathComponent("map.yaml")
        try Data(Self.map.utf8).write(to: file)
        let result = try LetheProcess.run(["database", "check", file.path, "--database-url", "postgresql://app:hunter2@127.0.0.1:1/crm"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("PGPASSWORD, ~/.pgpass or --database-password-file"))
        #expect(!result.stderr.contains("hunter2"))
    }

    @Test func thePasswordComesFromPGPASSWORDAPgpassFileOrAPasswordFile() throws {
        let place = try Place()
        let role = try PostgresTestServer.authRole()
        let url = role.url.replacingOccurrences(of: "/postgres", with: "/\(place.database.name)")
        let none = try place.check(url: url)
        #expect(none.status == 1)
        #expect(none.stderr.contains("asks for a password and none was given"), "\(none.stderr)")

        place.environment["PGPASSWORD"] = "wrong"
        let wrong = try place.check(url: url)
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("refused the login"), "\(wrong.stderr)")
        #expect(!wrong.stderr.contains("wrong"))

        place.environment["PGPASSWORD"] = role.password
        #expect(try place.check(url: url).status == 0)
        place.environment["PGPASSWORD"] = nil

        let pgpass = place.root.url.appendingPathComponent("pgpass")
        try Data("*:*:*:lethe_auth:\(role.password)\n".utf8).write(to: pgpass)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: pgpass.path)
        place.environment["PGPASSFILE"] = pgpass.path
        #expect(try place.check(url: url).status == 0)
        place.environment["PGPASSFILE"] = place.root.url.appendingPathComponent("no-pgpass").path

        let passwordFile = place.root.url.appendingPathComponent("password")
        try Data("\(role.password)\n".utf8).write(to: passwordFile)
        let fromFile = try place.check(["--database-password-file", passwordFile.path], url: url)
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
    }

    /// The host and port of the test cluster.
    static func hostPort() -> String {
        let url = TemporaryDatabase.serverURL ?? ""
        return String(url.split(separator: "@").last?.split(separator: "/").first ?? "")
    }
}

/// The PostgreSQL test cluster (scripts/pg-test-server.sh): the test is skipped with a message
/// without it, and that is an issue in CI, where the cluster must run.
enum PostgresTestServer {
    /// Skips the calling test when no cluster is configured.
    static func skipUnlessConfigured() throws {
        guard TemporaryDatabase.serverURL == nil else { return }
        if ProcessInfo.processInfo.environment["CI"] != nil { Issue.record(Comment(rawValue: TemporaryDatabase.missingInCI)) }
        try Test.cancel(Comment(rawValue: TemporaryDatabase.skipMessage))
    }

    /// A fresh database; skips the test without a cluster.
    static func database() throws -> TemporaryDatabase {
        try skipUnlessConfigured()
        return try TemporaryDatabase()
    }

    /// The role that must give its password; skips the test without a cluster.
    static func authRole() throws -> (url: String, password: String) {
        try skipUnlessConfigured()
        return try #require(TemporaryDatabase.authRole)
    }
}
