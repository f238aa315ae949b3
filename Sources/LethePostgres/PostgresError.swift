import LetheCore

/// Why talking to PostgreSQL failed. Messages name the server (user, host, port, database;
/// never a password) and say what to do; none holds a customer id unless the server's own
/// message echoes a value the caller sent.
public enum PostgresError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL (or `key=value` string) is not one libpq can read.
    case invalidURL(String)
    /// The URL holds a password: it would end up in lethe.json, the process list and the logs.
    case passwordInURL
    /// The password file given cannot be read, or is not one line.
    case passwordFileUnreadable(path: String, reason: String)
    /// No server answered at the address (down, wrong host or port, firewall, timeout).
    case unreachable(server: String, message: String)
    /// The server asks for a password and none was given.
    case passwordMissing(server: String)
    /// The server refused the user's password (or other credentials).
    case authenticationFailed(server: String, message: String)
    /// The server answered but refused the connection (no such database or role, too many connections).
    case connectionRefused(server: String, message: String)
    /// A statement failed; the server's SQLSTATE and message.
    case queryFailed(sqlState: String, message: String)
    /// The connection broke while in use.
    case connectionLost(server: String, message: String)

    /// What happened and what to do.
    public var description: String {
        switch self {
        case .invalidURL(let reason):
            return "the database URL is not valid (\(reason)): write it as postgresql://USER@HOST:PORT/DATABASE"
        case .passwordInURL:
            return "the database URL holds a password: remove it from the URL and give it through PGPASSWORD, ~/.pgpass or --database-password-file"
        case .passwordFileUnreadable(let path, let reason):
            return "cannot read the database password file \(path) (\(reason)): it must hold the password on one line"
        case .unreachable(let server, let message):
            return "cannot reach the database \(server) (\(message)): check the host and port, that PostgreSQL runs and accepts TCP connections from here"
        case .passwordMissing(let server):
            return "the database \(server) asks for a password and none was given: set PGPASSWORD, add a line to ~/.pgpass, or pass --database-password-file"
        case .authenticationFailed(let server, let message):
            return "the database \(server) refused the login (\(message)): check the user and the password in PGPASSWORD, ~/.pgpass or the password file"
        case .connectionRefused(let server, let message):
            return "the database \(server) refused the connection (\(message)): check the database and user names in the URL"
        case .queryFailed(let sqlState, let message):
            return "the database refused a statement (SQLSTATE \(sqlState): \(message))"
        case .connectionLost(let server, let message):
            return "the connection to the database \(server) was lost (\(message)): check the server, then run again"
        }
    }
}

extension PostgresError: ClassifiedError {
    /// A bad URL or password file is a usage error; a server that cannot be reached, refuses
    /// us or a statement, is a failure (nothing committed).
    public var failureClass: FailureClass {
        switch self {
        case .invalidURL, .passwordInURL, .passwordFileUnreadable: return .usage
        case .unreachable, .passwordMissing, .authenticationFailed, .connectionRefused, .queryFailed, .connectionLost: return .failed
        }
    }
}
