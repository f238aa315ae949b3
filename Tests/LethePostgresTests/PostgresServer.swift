import Foundation
import LetheTestSupport
import Testing

/// The test cluster (scripts/pg-test-server.sh): a fresh database, or the test is skipped with a
/// message (recorded as an issue in CI, where the server must run).
enum PostgresServer {
    /// Skips the test when no server is configured.
    static func skipUnlessConfigured() throws {
        guard TemporaryDatabase.serverURL == nil else { return }
        if ProcessInfo.processInfo.environment["CI"] != nil {
            Issue.record("LETHE_TEST_PG_URL must be set in CI: run the tests through scripts/test.sh or scripts/pg-test-server.sh run")
        }
        try Test.cancel(Comment(rawValue: TemporaryDatabase.skipMessage))
    }

    /// A fresh database; skips the test without a server.
    static func database() throws -> TemporaryDatabase {
        try skipUnlessConfigured()
        return try TemporaryDatabase()
    }

    /// The role that must give its password (`lethe_auth`) and its password; skips without a server.
    static func authRole() throws -> (url: String, password: String) {
        try skipUnlessConfigured()
        let environment = ProcessInfo.processInfo.environment
        return (try #require(environment["LETHE_TEST_PG_AUTH_URL"]), try #require(environment["LETHE_TEST_PG_AUTH_PASSWORD"]))
    }
}
