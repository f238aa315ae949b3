import Foundation
import LethePostgres
import LetheTestSupport
import Testing

/// `COPY … TO STDOUT` streamed through ``PostgresConnection/copyOut(_:_:)``: the bytes are
/// PostgreSQL's own, compared with what `psql` writes for the same statement, for values that
/// break naive CSV and text handling.
@Suite struct PostgresCopyTests {
    /// One row per kind of tricky value; `id` orders them.
    static let setup = [
        """
        CREATE TABLE tricky (id int PRIMARY KEY, owner text NOT NULL, t text, b bytea, j jsonb, ts timestamptz, n numeric)
        """,
        """
        INSERT INTO tricky VALUES
          (1, 'acme', NULL, NULL, NULL, NULL, NULL),
          (2, 'acme', '', '\\x'::bytea, '{}', 'infinity', 0),
          (3, 'acme', 'quote " and '' apostrophe, comma', '\\x00ff00'::bytea, '{"a": "b\\"c", "n": [1, null]}', '-infinity', -1.5),
          (4, 'acme', E'line\\nbreak and\\r\\ncrlf and\\ttab', '\\x0a0d5c'::bytea, '"\\u00e9"', '2026-11-30 12:00:00.123456+00', 1e-20),
          (5, 'acme', 'naïve — 日本語 🙂 \\N \\\\', '\\x'::bytea, 'null', '1970-01-01 00:00:00+00', 12345678901234567890),
          (6, 'acme', repeat('large ', 200000), decode(repeat('00', 100000), 'hex'), '[]', NULL, NULL),
          (7, 'it''s', 'another owner', NULL, NULL, NULL, NULL)
        """,
    ]

    /// The statement both sides run: the CSV of one owner's rows, with a header.
    static func statement(owner literal: String) -> String {
        "COPY (SELECT * FROM tricky WHERE owner = \(literal) ORDER BY id) TO STDOUT (FORMAT csv, HEADER)"
    }

    @Test func theStreamIsByteForByteWhatPsqlWrites() throws {
        let database = try PostgresTestServer.database()
        try database.run(Self.setup[0], Self.setup[1])
        let connection = try database.connect()
        for owner in ["acme", "it's"] {
            let sql = Self.statement(owner: try connection.escapeLiteral(owner))
            var streamed = Data()
            let chunks = try connection.copyOut(sql) { streamed.append(contentsOf: $0) }
            let expected = try Self.psql(url: database.url, sql)
            #expect(streamed == expected, "owner \(owner): \(streamed.count) bytes streamed, psql wrote \(expected.count)")
            #expect(chunks == (owner == "acme" ? 7 : 2))  // one per row, plus the header
        }
    }

    @Test func aRefusedCopyIsTheServersErrorAndTheConnectionStaysUsable() throws {
        let database = try PostgresTestServer.database()
        let connection = try database.connect()
        let error = try #require(throws: PostgresError.self) {
            try connection.copyOut("COPY (SELECT * FROM missing) TO STDOUT") { _ in }
        }
        #expect(error == .queryFailed(sqlState: "42P01", message: "relation \"missing\" does not exist"))
        #expect(throws: PostgresError.self) { try connection.copyOut("SELECT 1") { _ in } }
        #expect(try connection.query("SELECT 1").rows == [["1"]])
    }

    @Test func aCopyFromStdinIsRefusedAndTheConnectionStaysUsable() throws {
        let database = try PostgresTestServer.database()
        try database.run("CREATE TABLE numbers (n int)")
        let connection = try database.connect()
        let error = try #require(throws: PostgresError.self) { try connection.copyOut("COPY numbers FROM STDIN") { _ in } }
        #expect(error == .queryFailed(sqlState: "42601", message: "not a COPY … TO STDOUT statement"))
        #expect(try connection.query("SELECT count(*) FROM numbers").rows == [["0"]])
    }

    @Test func aConsumerThatThrowsCancelsTheCopyAndTheConnectionStaysUsable() throws {
        struct Enough: Error {}
        let database = try PostgresTestServer.database()
        let connection = try database.connect()
        var seen = 0
        #expect(throws: Enough.self) {
            try connection.copyOut("COPY (SELECT g FROM generate_series(1, 5000000) g) TO STDOUT") { _ in
                seen += 1
                if seen == 3 { throw Enough() }
            }
        }
        #expect(seen == 3)
        #expect(try connection.query("SELECT 2").rows == [["2"]])
    }

    /// What `psql` writes for `sql` on standard output, as bytes.
    static func psql(url: String, _ sql: String) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = ["--no-psqlrc", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TemporaryDatabaseError("psql exited \(process.terminationStatus)") }
        return data
    }
}
