import Foundation

extension PostgresConnection {
    /// Connects to the database at `url` (checked to hold no password), with the password from
    /// `passwordFile` when given, else from libpq's own sources (PGPASSWORD, ~/.pgpass).
    ///
    /// - Parameter readOnly: make every transaction of the session read-only
    ///   (`default_transaction_read_only`), for sessions that only read.
    /// - Throws: `PostgresError`: a URL with a password (usage), an unreadable password file,
    ///   a database that cannot be reached or refuses the login.
    public static func open(url: String, passwordFile: String?, readOnly: Bool) throws -> PostgresConnection {
        let url = try PostgresURL(url)
        let password = try passwordFile.map { try PostgresPassword.read(path: $0) }
        let connection = try PostgresConnection(url: url, password: password)
        if readOnly { try connection.query("SET default_transaction_read_only = on") }
        return connection
    }
}
