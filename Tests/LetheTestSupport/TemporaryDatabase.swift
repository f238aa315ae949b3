import Foundation
import LethePostgres

/// A fresh database on the test cluster of scripts/pg-test-server.sh (LETHE_TEST_PG_URL),
/// dropped on `drop()` or deinit, so tests running in parallel never share tables.
public final class TemporaryDatabase: @unchecked Sendable {
    /// The test cluster's superuser URL, or nil when the variable is unset (tests skip then).
    public static var serverURL: String? {
        ProcessInfo.processInfo.environment["LETHE_TEST_PG_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// What the tests say when they skip for want of a server.
    public static let skipMessage = "LETHE_TEST_PG_URL is unset: PostgreSQL cases skipped; run them with scripts/pg-test-server.sh run swift test --skip-build --filter …"
    /// What a test records in CI (CI set) when the server is missing: there it must run.
    public static let missingInCI = "LETHE_TEST_PG_URL must be set in CI: run the tests through scripts/test.sh or scripts/pg-test-server.sh run"

    /// The role that must give its password (`lethe_auth`): its URL and password, or nil.
    public static var authRole: (url: String, password: String)? {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["LETHE_TEST_PG_AUTH_URL"], let password = environment["LETHE_TEST_PG_AUTH_PASSWORD"] else { return nil }
        return (url, password)
    }

    /// The database's name.
    public let name: String
    /// Its URL (the superuser, no password).
    public let url: String
    private let serverURL: String
    private var dropped = false

    /// Creates a database on the test cluster.
    ///
    /// - Throws: `TemporaryDatabaseError` when the server is not configured, `PostgresError` otherwise.
    public init() throws {
        guard let server = Self.serverURL else { throw TemporaryDatabaseError(Self.skipMessage) }
        serverURL = server
        name = "lethe_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        guard let slash = server.lastIndex(of: "/") else { throw TemporaryDatabaseError("LETHE_TEST_PG_URL has no database: \(server)") }
        url = server[..<slash] + "/" + name
        try PostgresConnection(url: PostgresURL(server)).query("CREATE DATABASE \(name)")
    }

    /// A new connection to the database.
    public func connect() throws -> PostgresConnection { try PostgresConnection(url: PostgresURL(url)) }

    /// Runs each statement on one connection, in order.
    public func run(_ statements: String...) throws {
        let connection = try connect()
        for statement in statements { try connection.query(statement) }
    }

    /// Drops the database (its connections are ended); safe to call more than once.
    public func drop() {
        guard !dropped else { return }
        dropped = true
        _ = try? PostgresConnection(url: PostgresURL(serverURL)).query("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    deinit { drop() }
}

/// Why a temporary database could not be made.
public struct TemporaryDatabaseError: Error, CustomStringConvertible {
    /// What happened.
    public let description: String
    public init(_ description: String) { self.description = description }
}
