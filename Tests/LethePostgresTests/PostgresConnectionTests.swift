import Foundation
import LetheCore
import LethePostgres
import LetheTestSupport
import Testing

/// libpq through ``PostgresConnection`` against the real test cluster: rows as text, parameters
/// sent apart from the statement, literals quoted by the server's rules, and each way of failing
/// turned into its own error with its failure class.
@Suite struct PostgresConnectionTests {
    /// Values that break naive quoting or text handling.
    static let tricky = ["", "plain", "it's", "two '' quotes", "back\\slash", "line\nbreak", "cr\r\nlf", "tab\there",
                         "naïve — 日本語 🙂", "'; DROP TABLE t; --", "$1", "E'x'", String(repeating: "long ", count: 20_000)]

    @Test func rowsComeBackAsTextWithNullApartFromEmpty() throws {
        let database = try PostgresTestServer.database()
        let rows = try database.connect().query("SELECT 42 AS answer, NULL::text AS nothing, '' AS empty, 'a\nb' AS lines, 'é' AS accent")
        #expect(rows.columns == ["answer", "nothing", "empty", "lines", "accent"])
        #expect(rows.rows == [["42", nil, "", "a\nb", "é"]])
    }

    @Test(arguments: tricky)
    func parametersAreSentApartFromTheStatement(_ value: String) throws {
        let database = try PostgresTestServer.database()
        #expect(try database.connect().query("SELECT $1::text", parameters: [value]).rows == [[value]])
    }

    @Test func escapedLiteralsReadBackExactly() throws {
        let database = try PostgresTestServer.database()
        let connection = try database.connect()
        for value in Self.tricky {
            let literal = try connection.escapeLiteral(value)
            #expect(literal.hasSuffix("'"))
            #expect(try connection.query("SELECT \(literal)::text").rows == [[value]], "\(literal.prefix(40))")
        }
    }

    @Test func oneStatementOnly() throws {
        let database = try PostgresTestServer.database()
        try database.run("CREATE TABLE t (x int)")
        #expect(throws: PostgresError.self) { try database.connect().query("SELECT 1; DROP TABLE t") }
        #expect(try database.connect().query("SELECT count(*) FROM t").rows == [["0"]])
    }

    @Test func aFailedStatementCarriesTheServersStateAndMessage() throws {
        let database = try PostgresTestServer.database()
        let error = try #require(throws: PostgresError.self) { try database.connect().query("SELECT * FROM no_such_table") }
        #expect(error == .queryFailed(sqlState: "42P01", message: "relation \"no_such_table\" does not exist"))
        #expect(error.failureClass == .failed)
        #expect("\(error)".contains("SQLSTATE 42P01"))
    }

    @Test func aMissingDatabaseIsARefusedConnection() throws {
        let database = try PostgresTestServer.database()
        let url = try PostgresURL(database.url + "_missing")
        let error = try #require(throws: PostgresError.self) { try PostgresConnection(url: url) }
        guard case .connectionRefused(let server, let message) = error else { Issue.record("\(error)"); return }
        #expect(server.hasSuffix("/\(database.name)_missing"))
        #expect(message.contains("does not exist"))
    }

    @Test func noServerIsUnreachableAndSaysWhatToCheck() throws {
        // Port 1 on loopback: nothing listens there, the kernel refuses at once.
        let error = try #require(throws: PostgresError.self) {
            try PostgresConnection(url: PostgresURL("postgresql://nobody@127.0.0.1:1/db"), connectTimeout: 2)
        }
        guard case .unreachable(let server, _) = error else { Issue.record("\(error)"); return }
        #expect(server == "nobody@127.0.0.1:1/db")
        #expect("\(error)".contains("check the host and port"))
        #expect(error.failureClass == .failed)
    }

    @Test func aTerminatedSessionIsALostConnection() throws {
        let database = try PostgresTestServer.database()
        let connection = try database.connect()
        _ = try? connection.query("SELECT pg_terminate_backend(pg_backend_pid())")
        let error = try #require(throws: PostgresError.self) { try connection.query("SELECT 1") }
        guard case .connectionLost = error else { Issue.record("\(error)"); return }
    }

    @Test func aURLWithAPasswordIsRefused() {
        for url in ["postgresql://user:secret@db.example/app", "host=db.example password=secret dbname=app"] {
            #expect(throws: PostgresError.passwordInURL) { try PostgresURL(url) }
        }
        #expect(PostgresError.passwordInURL.failureClass == .usage)
        #expect("\(PostgresError.passwordInURL)".contains("PGPASSWORD, ~/.pgpass or --database-password-file"))
    }

    @Test func aURLLibpqCannotReadIsInvalid() throws {
        let error = try #require(throws: PostgresError.self) { try PostgresURL("postgresql://host:notaport:5/db?x") }
        guard case .invalidURL = error else { Issue.record("\(error)"); return }
        #expect(error.failureClass == .usage)
    }

    @Test func theServerNameHoldsNoPasswordAndFillsDefaults() throws {
        #expect(try PostgresURL("postgresql://app@db.example:6432/crm").server == "app@db.example:6432/crm")
        #expect(try PostgresURL("postgresql://app@db.example/crm").server == "app@db.example:5432/crm")
    }
}

/// Passwords: given, wrong, missing (the role `lethe_auth` must give one), and password files.
@Suite struct PostgresPasswordTests {
    @Test func theRightPasswordConnects() throws {
        let role = try PostgresTestServer.authRole()
        let connection = try PostgresConnection(url: PostgresURL(role.url), password: role.password)
        #expect(try connection.query("SELECT current_user").rows == [["lethe_auth"]])
    }

    @Test func aWrongPasswordIsAnAuthenticationFailure() throws {
        let role = try PostgresTestServer.authRole()
        let error = try #require(throws: PostgresError.self) { try PostgresConnection(url: PostgresURL(role.url), password: "wrong") }
        guard case .authenticationFailed(let server, let message) = error else { Issue.record("\(error)"); return }
        #expect(server.hasPrefix("lethe_auth@127.0.0.1:"))
        #expect(message.contains("password authentication failed"))
        #expect(!"\(error)".contains("wrong"))
    }

    @Test func noPasswordSaysWhereToPutOne() throws {
        let role = try PostgresTestServer.authRole()
        // No PGPASSWORD in this process; a password file that does not exist stands for ~/.pgpass.
        let error = try #require(throws: PostgresError.self) { try PostgresConnection(url: PostgresURL(role.url + "?passfile=/nonexistent")) }
        guard case .passwordMissing = error else { Issue.record("\(error)"); return }
        #expect("\(error)".contains("PGPASSWORD"))
    }

    @Test func aPasswordFileGivesItsOneLine() throws {
        let folder = try TemporaryDirectory()
        let file = folder.url.appendingPathComponent("password")
        for (content, expected) in [("s3cret\n", "s3cret"), ("s3cret", "s3cret"), ("with space \r\n", "with space ")] {
            try Data(content.utf8).write(to: file)
            #expect(try PostgresPassword.read(path: file.path) == expected)
        }
        for content in ["", "\n", "one\ntwo\n"] {
            try Data(content.utf8).write(to: file)
            #expect(throws: PostgresError.self) { try PostgresPassword.read(path: file.path) }
        }
        let missing = try #require(throws: PostgresError.self) { try PostgresPassword.read(path: folder.url.appendingPathComponent("none").path) }
        #expect(missing.failureClass == .usage)
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
