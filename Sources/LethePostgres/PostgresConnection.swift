import Foundation
internal import CPostgres

/// One connection to PostgreSQL through libpq, closed when the value is released.
///
/// The password comes from where libpq users expect it: `PGPASSWORD`, `~/.pgpass` (or
/// `PGPASSFILE`), or a password given here (read from `--database-password-file`); never from
/// the URL (``PostgresURL`` refuses one). The client encoding is UTF-8, so text comes back as
/// Swift strings. Not for use from two threads at once (libpq's own rule).
public final class PostgresConnection {
    /// The server, as `user@host:port/database` (for messages).
    public let server: String
    /// The libpq connection (`PGconn *`); owned, finished on release.
    let handle: OpaquePointer

    /// Connects.
    ///
    /// - Parameters:
    ///   - url: where; it holds no password.
    ///   - password: the password, or nil for libpq's own sources (PGPASSWORD, ~/.pgpass).
    ///   - connectTimeout: seconds libpq waits for the server, unless the URL says otherwise.
    /// - Throws: ``PostgresError/unreachable(server:message:)``,
    ///   ``PostgresError/passwordMissing(server:)``,
    ///   ``PostgresError/authenticationFailed(server:message:)`` or
    ///   ``PostgresError/connectionRefused(server:message:)``.
    public init(url: PostgresURL, password: String? = nil, connectTimeout: Int = 10) throws {
        server = url.server
        // Later entries override earlier ones: the URL may change the timeout and application
        // name, never the encoding or the password given here.
        var parameters: [(String, String)] = [("connect_timeout", String(connectTimeout)), ("fallback_application_name", "lethe"),
                                              ("dbname", url.text), ("client_encoding", "UTF8")]
        if let password { parameters.append(("password", password)) }
        let keywords = parameters.map { strdup($0.0) } + [nil]
        let values = parameters.map { strdup($0.1) } + [nil]
        defer { (keywords + values).forEach { free($0) } }
        let connection = keywords.map { UnsafePointer($0) }.withUnsafeBufferPointer { keywordPointers in
            values.map { UnsafePointer($0) }.withUnsafeBufferPointer { valuePointers in
                PQconnectdbParams(keywordPointers.baseAddress, valuePointers.baseAddress, 1)
            }
        }
        guard let connection else { throw PostgresError.unreachable(server: server, message: "libpq could not allocate a connection") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.text(PQerrorMessage(connection))
            let needsPassword = PQconnectionNeedsPassword(connection) == 1
            PQfinish(connection)
            throw Self.connectError(server: server, message: message, needsPassword: needsPassword)
        }
        handle = connection
    }

    deinit { PQfinish(handle) }

    /// The error a failed connection attempt is, from libpq's message.
    static func connectError(server: String, message: String, needsPassword: Bool) -> PostgresError {
        if needsPassword { return .passwordMissing(server: server) }
        // libpq reports the server's FATAL message as text: no SQLSTATE reaches a failed connection.
        if message.contains("authentication failed") || message.contains("no pg_hba.conf entry") {
            return .authenticationFailed(server: server, message: message)
        }
        if message.contains("FATAL:") { return .connectionRefused(server: server, message: message) }
        return .unreachable(server: server, message: message)
    }

    /// `value` as a quoted SQL string literal (libpq's `PQescapeLiteral`: quotes doubled, an
    /// `E''` literal when it holds backslashes), safe to place in a statement.
    ///
    /// - Throws: ``PostgresError/queryFailed(sqlState:message:)`` when libpq refuses it.
    public func escapeLiteral(_ value: String) throws -> String {
        try escape(value, what: "value") { PQescapeLiteral($0, $1, $2) }
    }

    /// `name` as a quoted SQL identifier (libpq's `PQescapeIdentifier`: double quotes, inner
    /// ones doubled), safe to place in a statement; case is kept (`"Name"` is not `name`).
    ///
    /// - Throws: ``PostgresError/queryFailed(sqlState:message:)`` when libpq refuses it.
    public func escapeIdentifier(_ name: String) throws -> String {
        try escape(name, what: "name") { PQescapeIdentifier($0, $1, $2) }
    }

    /// `text` through one of libpq's escaping functions.
    private func escape(_ text: String, what: String,
                        _ function: (OpaquePointer, UnsafePointer<CChar>, Int) -> UnsafeMutablePointer<CChar>?) throws -> String {
        var bytes = Array(text.utf8)
        guard let escaped = bytes.withUnsafeMutableBufferPointer({ buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(buffer.count, 1)) { function(handle, $0, buffer.count) }
        }) else {
            throw PostgresError.queryFailed(sqlState: "22021", message: "cannot quote a \(what): \(Self.text(PQerrorMessage(handle)))")
        }
        defer { PQfreemem(escaped) }
        return String(cString: escaped)
    }

    /// Runs one statement (never several: a `;` followed by more is refused by the server) and
    /// returns its rows as text.
    ///
    /// - Parameters:
    ///   - sql: the statement; `$1`, `$2`… stand for `parameters`, which are sent apart from it
    ///     as text (no quoting needed).
    ///   - parameters: the values of `$1`…, nil for NULL.
    /// - Throws: ``PostgresError/queryFailed(sqlState:message:)`` with the server's message,
    ///   ``PostgresError/connectionLost(server:message:)`` when the connection broke.
    @discardableResult
    public func query(_ sql: String, parameters: [String?] = []) throws -> PostgresRows {
        let values = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { values.forEach { free($0) } }
        let result = values.map { UnsafePointer($0) }.withUnsafeBufferPointer {
            PQexecParams(handle, sql, Int32(parameters.count), nil, $0.baseAddress, nil, nil, 0)
        }
        guard let result else { throw lost() }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK else {
            if PQstatus(handle) != CONNECTION_OK { throw lost() }
            throw failure(result)
        }
        let columnCount = Int(PQnfields(result))
        let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        let rows = (0..<PQntuples(result)).map { row in
            (0..<Int32(columnCount)).map { column -> String? in
                PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
            }
        }
        return PostgresRows(columns: columns, rows: rows)
    }

    /// The error a failed result is: the server's SQLSTATE and primary message; a session the
    /// server ended (SQLSTATE 57P01-57P03: terminated, shut down) or a connection failure
    /// (class 08) is ``PostgresError/connectionLost(server:message:)``, whatever libpq has
    /// noticed of the socket yet.
    func failure(_ result: OpaquePointer) -> PostgresError {
        let sqlState = PQresultErrorField(result, lethe_pg_diag_sqlstate()).map { String(cString: $0) } ?? "?????"
        let message = PQresultErrorField(result, lethe_pg_diag_message_primary()).map { String(cString: $0) }
            ?? Self.text(PQresultErrorMessage(result))
        if sqlState.hasPrefix("57P") || sqlState.hasPrefix("08") { return .connectionLost(server: server, message: message) }
        return .queryFailed(sqlState: sqlState, message: message)
    }

    /// The error for a connection that broke.
    func lost() -> PostgresError {
        .connectionLost(server: server, message: Self.text(PQerrorMessage(handle)))
    }

    /// libpq's message as one trimmed line of text.
    static func text(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "no message" }
        return String(cString: message).split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: "; ")
    }
}
