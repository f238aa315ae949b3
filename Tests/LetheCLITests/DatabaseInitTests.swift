import Foundation
import LetheTestSupport
import Testing

/// `lethe init --database-url URL --database-map FILE`: the map is checked (and the database
/// reached) before anything is created, copied into the home, and lethe.json names it relative
/// to the home beside a URL that holds no password.
@Suite struct DatabaseInitTests {
    /// A source folder and a map in a temporary folder; the home goes beside them.
    final class Place {
        let root: TemporaryDirectory
        var source: URL { root.url.appendingPathComponent("source") }
        var home: URL { root.url.appendingPathComponent("home") }
        var mapFile: URL { root.url.appendingPathComponent("map.yaml") }
        var environment: [String: String]

        init(map: String = DatabaseCLITests.map) throws {
            root = try TemporaryDirectory(prefix: "lethe-dbinit")
            environment = ["LETHE_NOW": "2026-11-01T00:00:00Z", "PGPASSFILE": root.url.appendingPathComponent("no-pgpass").path]
            try FileManager.default.createDirectory(at: source.appendingPathComponent("acme"), withIntermediateDirectories: true)
            try Data(map.utf8).write(to: mapFile)
        }

        func initialise(url: String, _ extra: [String] = []) throws -> LetheProcess.Result {
            try LetheProcess.run(["init", "--home", home.path, "--source", source.path, "--database-url", url, "--database-map", mapFile.path] + extra,
                                 environment: environment)
        }

        /// What is in the folder: a failed init leaves only what was there before.
        func entries() throws -> Set<String> { Set(try FileManager.default.contentsOfDirectory(atPath: root.url.path)) }
    }

    @Test func theMapIsCopiedIntoTheHomeAndLetheJSONHoldsNoSecret() throws {
        let database = try PostgresTestServer.database()
        try database.run(DatabaseCLITests.schema[0], DatabaseCLITests.schema[1], DatabaseCLITests.schema[2])
        let role = try PostgresTestServer.authRole()
        let url = role.url.replacingOccurrences(of: "/postgres", with: "/\(database.name)")
        let place = try Place()
        let passwordFile = place.root.url.appendingPathComponent("password")
        try Data("\(role.password)\n".utf8).write(to: passwordFile)

        let result = try place.initialise(url: url, ["--database-password-file", passwordFile.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("  database \(url) (map \(place.home.path)/database-map.yaml)"))
        #expect(result.stderr.contains("lethe: warning: \(place.mapFile.path): the table comments references pages"), "\(result.stderr)")
        #expect(try Data(contentsOf: place.home.appendingPathComponent("database-map.yaml")) == Data(contentsOf: place.mapFile))
        let text = try String(contentsOf: place.home.appendingPathComponent("lethe.json"), encoding: .utf8)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(json["version"] as? Int == 3)
        let settings = try #require(json["database"] as? [String: String])
        #expect(settings == ["url": url, "map": "database-map.yaml", "password_file": passwordFile.path])
        #expect(!text.contains(role.password))
    }

    @Test func aURLWithAPasswordIsRefusedWithExit64AndNothingIsCreated() throws {
        let place = try Place()
        let before = try place.entries()
        let result = try place.initialise(url: "postgresql://app:hunter2@127.0.0.1:1/crm")
        #expect(result.status == 64)
        #expect(result.stderr.contains("remove it from the URL and give it through PGPASSWORD, ~/.pgpass or --database-password-file"))
        #expect(!result.stderr.contains("hunter2"))
        #expect(try place.entries() == before)
    }

    @Test func anUnreachableDatabaseFailsInitWithExit1AndNothingIsCreated() throws {
        let place = try Place()
        let before = try place.entries()
        let result = try place.initialise(url: "postgresql://app@127.0.0.1:1/crm")
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot reach the database app@127.0.0.1:1/crm"), "\(result.stderr)")
        #expect(result.stderr.contains("nothing was created"))
        #expect(try place.entries() == before)
    }

    @Test func aMissingTableIsExit64NamingTheLineAndNothingIsCreated() throws {
        let database = try PostgresTestServer.database()
        try database.run(DatabaseCLITests.schema[0])
        let place = try Place()
        let before = try place.entries()
        let result = try place.initialise(url: database.url)
        #expect(result.status == 64)
        #expect(result.stderr.contains("\(place.mapFile.path):5: the table pages does not exist"), "\(result.stderr)")
        #expect(try place.entries() == before)
    }

    @Test func anInvalidMapIsExit64BeforeAnyConnection() throws {
        let place = try Place(map: "tables:\n  pages: \"tenant_id = 7\"\n")
        let result = try place.initialise(url: "postgresql://app@127.0.0.1:1/crm")
        #expect(result.status == 64)
        #expect(result.stderr.contains("\(place.mapFile.path):2: the condition of pages does not use $1"), "\(result.stderr)")
    }

    @Test func theURLAndTheMapGoTogether() throws {
        let place = try Place()
        let result = try LetheProcess.run(["init", "--home", place.home.path, "--source", place.source.path, "--database-url", "postgresql://app@127.0.0.1/crm"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--database-url and --database-map go together"))
    }
}
