import Foundation

/// The database password from a file (`--database-password-file`): its one line, without the
/// line end. PGPASSWORD and ~/.pgpass need nothing from Lethe: libpq reads them itself.
public enum PostgresPassword {
    /// Reads the password file at `path`.
    ///
    /// - Throws: ``PostgresError/passwordFileUnreadable(path:reason:)`` if it cannot be read,
    ///   is empty, or holds more than one line.
    public static func read(path: String) throws -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw PostgresError.passwordFileUnreadable(path: path, reason: (error as NSError).localizedFailureReason ?? "cannot open it")
        }
        guard var text = String(data: data, encoding: .utf8) else {
            throw PostgresError.passwordFileUnreadable(path: path, reason: "not UTF-8 text")
        }
        if text.last?.isNewline == true { text.removeLast() }  // "\r\n" is one Character
        guard !text.isEmpty else { throw PostgresError.passwordFileUnreadable(path: path, reason: "it is empty") }
        guard !text.contains(where: \.isNewline) else {
            throw PostgresError.passwordFileUnreadable(path: path, reason: "it holds more than one line")
        }
        return text
    }
}
