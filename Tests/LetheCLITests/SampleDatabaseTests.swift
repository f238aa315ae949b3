import Foundation
import LetheTestSupport
import Testing

/// The demo's sample database (scripts/sample-database.sql) and its map
/// (scripts/sample-database-map.yaml), shipped for scripts/nightly-demo.sh: the map must check
/// clean against the schema, as a shipped policy must pass `policy check`.
@Suite struct SampleDatabaseTests {
    static let scripts = ShippedPolicy.packageRoot.appendingPathComponent("scripts")

    @Test func theSampleMapChecksCleanAgainstTheSampleDatabase() throws {
        let database = try PostgresTestServer.database()
        let sql = try String(contentsOf: Self.scripts.appendingPathComponent("sample-database.sql"), encoding: .utf8)
        let connection = try database.connect()
        for statement in Self.statements(of: sql) { try connection.query(statement) }
        let map = Self.scripts.appendingPathComponent("sample-database-map.yaml").path
        let result = try LetheProcess.run(["database", "check", map, "--database-url", database.url])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "the sample map must leave no table unmapped: \(result.stderr)")
        #expect(result.stdout.contains("ok (3 tables, a customers query;"), "\(result.stdout)")
    }

    /// The statements of an SQL script without comments, split at the `;` that ends a line.
    static func statements(of sql: String) -> [String] {
        let lines = sql.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("--") }
        return lines.joined(separator: "\n").components(separatedBy: ";\n")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }
}
