import Foundation
internal import CPostgres

/// A database URL as libpq reads it (`postgresql://USER@HOST:PORT/DATABASE?…` or
/// `key=value …`), checked to hold no password.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    /// The URL as given (it holds no password).
    public let text: String
    /// `user@host:port/database` for messages, with libpq's defaults for what the URL leaves out.
    public let server: String

    /// Parses `text` with libpq's own parser.
    ///
    /// - Throws: ``PostgresError/invalidURL(_:)`` if libpq cannot read it,
    ///   ``PostgresError/passwordInURL`` if it holds a password.
    public init(_ text: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(text, &errorMessage) else {
            let reason = errorMessage.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "out of memory"
            if let errorMessage { PQfreemem(errorMessage) }
            throw PostgresError.invalidURL(reason)
        }
        defer { PQconninfoFree(options) }
        var values: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { values[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        if let password = values["password"], !password.isEmpty { throw PostgresError.passwordInURL }
        let environment = ProcessInfo.processInfo.environment
        let user = values["user"] ?? environment["PGUSER"] ?? NSUserName()
        let host = values["host"] ?? values["hostaddr"] ?? environment["PGHOST"] ?? "localhost"
        let port = values["port"] ?? environment["PGPORT"] ?? "5432"
        let database = values["dbname"] ?? environment["PGDATABASE"] ?? user
        self.text = text
        server = "\(user)@\(host):\(port)/\(database)"
    }

    /// The URL as given.
    public var description: String { text }
}
