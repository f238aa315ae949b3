import Foundation
import LethePostgres
import LetheTestSupport
import Testing

/// `COPY … FROM STDIN` fed through ``PostgresConnection/copyIn(_:_:)``: the CSV PostgreSQL
/// itself wrote, pushed in chunks that split rows and characters, comes back byte for byte; a
/// refused row, a producer that gives up and a statement that is not a COPY FROM each end with
/// their own error, nothing copied, and the connection usable.
@Suite struct PostgresCopyInTests {
    static let outStatement = "COPY (SELECT * FROM tricky ORDER BY id) TO STDOUT (FORMAT csv, HEADER)"
    static let inStatement = "COPY tricky FROM STDIN (FORMAT csv, HEADER)"

    @Test(arguments: [1, 7, 4096, 10_000_000])
    func postgresCSVPushedInChunksComesBackByteForByte(_ chunkSize: Int) throws {
        let source = try PostgresTestServer.database()
        try source.run(PostgresCopyTests.setup[0], PostgresCopyTests.setup[1])
        let csv = try Self.copyOut(source.connect(), Self.outStatement)
        try source.run("TRUNCATE tricky")
        let connection = try source.connect()
        let rows = try connection.copyIn(Self.inStatement) { push in try Self.push(csv, in: chunkSize, to: push) }
        #expect(rows == 7)
        #expect(try Self.copyOut(connection, Self.outStatement) == csv)
    }

    @Test func aRefusedRowIsTheServersErrorNothingIsCopiedAndTheConnectionStaysUsable() throws {
        let database = try PostgresTestServer.database()
        try database.run("CREATE TABLE numbers (n int PRIMARY KEY)")
        let connection = try database.connect()
        // The bad row comes first, then many more megabytes: the error is the server's, not libpq's
        // "no COPY in progress", whenever libpq notices it.
        let good = Data((2...400_000).map { "\($0)\n" }.joined().utf8)
        let error = try #require(throws: PostgresError.self) {
            try connection.copyIn("COPY numbers FROM STDIN (FORMAT csv)") { push in
                try Self.push(Data("1\nnot a number\n".utf8), in: 4096, to: push)
                try Self.push(good, in: 65536, to: push)
            }
        }
        #expect(error == .queryFailed(sqlState: "22P02", message: "invalid input syntax for type integer: \"not a number\""))
        #expect(try connection.query("SELECT count(*) FROM numbers").rows == [["0"]])
        #expect(try connection.copyIn("COPY numbers FROM STDIN (FORMAT csv)") { try Self.push(Data("5\n6\n".utf8), in: 1, to: $0) } == 2)
    }

    @Test func aDuplicateKeyIsRefusedAtTheEnd() throws {
        let database = try PostgresTestServer.database()
        try database.run("CREATE TABLE numbers (n int PRIMARY KEY)", "INSERT INTO numbers VALUES (3)")
        let connection = try database.connect()
        let error = try #require(throws: PostgresError.self) {
            try connection.copyIn("COPY numbers FROM STDIN") { try Self.push(Data("1\n2\n3\n".utf8), in: 100, to: $0) }
        }
        guard case .queryFailed(let state, let message) = error else { Issue.record("\(error)"); return }
        #expect(state == "23505")
        #expect(message.contains("numbers_pkey"))
        #expect(try connection.query("SELECT n FROM numbers").rows == [["3"]])
    }

    @Test func aProducerThatThrowsAbandonsTheCopyAndTheConnectionStaysUsable() throws {
        struct Broken: Error {}
        let database = try PostgresTestServer.database()
        try database.run("CREATE TABLE numbers (n int)")
        let connection = try database.connect()
        #expect(throws: Broken.self) {
            try connection.copyIn("COPY numbers FROM STDIN") { push in
                try Self.push(Data("1\n2\n".utf8), in: 100, to: push)
                throw Broken()
            }
        }
        #expect(try connection.query("SELECT count(*) FROM numbers").rows == [["0"]])
    }

    @Test func aStatementThatIsNotACopyFromIsRefusedAndTheConnectionStaysUsable() throws {
        let database = try PostgresTestServer.database()
        try database.run("CREATE TABLE numbers (n int)")
        let connection = try database.connect()
        for sql in ["SELECT 1", "COPY (SELECT g FROM generate_series(1, 100000) g) TO STDOUT"] {
            let error = try #require(throws: PostgresError.self) { try connection.copyIn(sql) { _ in Issue.record("pushed for \(sql)") } }
            #expect(error == .queryFailed(sqlState: "42601", message: "not a COPY … FROM STDIN statement"))
            #expect(try connection.query("SELECT 2").rows == [["2"]])
        }
        let missing = try #require(throws: PostgresError.self) { try connection.copyIn("COPY missing FROM STDIN") { _ in } }
        #expect(missing == .queryFailed(sqlState: "42P01", message: "relation \"missing\" does not exist"))
    }

    @Test func identifiersAreQuotedByTheServersRules() throws {
        let database = try PostgresTestServer.database()
        let connection = try database.connect()
        for name in ["plain", "Mixed Case", "with \"quotes\"", "naïve 日本", "select"] {
            let quoted = try connection.escapeIdentifier(name)
            try connection.query("CREATE TABLE \(quoted) (\(quoted) int)")
            #expect(try connection.query("SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum = 1",
                                         parameters: [quoted]).rows == [[name]])
        }
    }

    /// Everything `sql` (a COPY TO STDOUT) writes.
    static func copyOut(_ connection: PostgresConnection, _ sql: String) throws -> Data {
        var data = Data()
        try connection.copyOut(sql) { data.append(contentsOf: $0) }
        return data
    }

    /// Pushes `data` in chunks of `size` bytes.
    static func push(_ data: Data, in size: Int, to push: PostgresConnection.CopyPush) throws {
        var offset = 0
        while offset < data.count {
            let end = min(offset + size, data.count)
            try data[offset..<end].withUnsafeBytes { try push($0) }
            offset = end
        }
    }
}
