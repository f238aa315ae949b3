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
    /// A table asked for (`--table`) is not among those the archive holds rows of.
    case rowsTableUnknown(table: String, available: [String])
    /// A table the archive holds rows of does not exist in the target database.
    case rowsTableMissing(table: String, server: String)
    /// A column the archive holds is not a column of the target table.
    case rowsColumnMissing(table: String, column: String, server: String)
    /// Rows with the primary keys of rows being loaded already exist: loading would duplicate
    /// or overwrite a customer's rows. Nothing was written.
    case rowsExist(tables: [String], rows: Int, server: String)
    /// The rows handed to the loader do not follow the archive's `rows/tables.json` (a table
    /// missing, unknown or given twice).
    case rowsOutOfContract(String)

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
        case .rowsTableUnknown(let table, let available):
            return "the archive holds no rows of the table \(table): it holds rows of \(available.isEmpty ? "no table" : available.joined(separator: ", ")); name one of those with --table"
        case .rowsTableMissing(let table, let server):
            return "the table \(table) does not exist in the database \(server): create it (the archive's rows/tables.json has its columns) or leave it out with --table; nothing was written"
        case .rowsColumnMissing(let table, let column, let server):
            return "the table \(table) in the database \(server) has no column \(column), which the archive's rows hold: add the column or load into a database with the archive's schema; nothing was written"
        case .rowsExist(let tables, let rows, let server):
            return "\(rows) of the rows to load already exist in the database \(server) (same primary key, in \(tables.joined(separator: ", "))): delete the customer's rows there first, or load into another database; nothing was written"
        case .rowsOutOfContract(let reason):
            return "the archive's rows do not match its rows/tables.json (\(reason)): verify the archive; nothing was written"
        }
    }
}

extension PostgresError: ClassifiedError {
    /// A bad URL or password file, or a table the archive does not hold, is a usage error; a
    /// server that cannot be reached, refuses us or a statement, or a target that cannot take the
    /// rows, is a failure (nothing committed).
    public var failureClass: FailureClass {
        switch self {
        case .invalidURL, .passwordInURL, .passwordFileUnreadable: return .usage
        case .rowsTableUnknown: return .usage
        case .unreachable, .passwordMissing, .authenticationFailed, .connectionRefused, .queryFailed, .connectionLost,
             .rowsTableMissing, .rowsColumnMissing, .rowsExist, .rowsOutOfContract: return .failed
        }
    }
}
