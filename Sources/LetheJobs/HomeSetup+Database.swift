import Foundation
import LetheCore
import LethePolicy
import LethePostgres

extension HomeSetup {
    /// Checks the PostgreSQL source `init` was given, before anything is created: the URL holds
    /// no password, the map is valid, and the database answers and accepts every table and
    /// condition (``DatabaseCheck``). A database that cannot be reached fails init, as an
    /// unreachable offsite store does: the first nightly would fail, and init is when the
    /// operator is there to fix it.
    ///
    /// - Returns: the map's bytes, as checked, for the copy in the home, and the check's warnings.
    /// - Throws: `PolicyError` (usage) naming the map's file:line; `PostgresError` (usage) for a
    ///   URL with a password or an unreadable password file; `JobError.failed` (exit 1) when the
    ///   database cannot be reached or refuses the login, saying nothing was created.
    static func checkDatabase(_ request: DatabaseRequest) throws -> (map: [UInt8], warnings: [String]) {
        let path = request.map.path
        // Read once: the bytes checked are the bytes copied.
        guard let data = FileManager.default.contents(atPath: path) else {
            _ = try DatabaseMapLoader.load(path: path)  // names why it cannot be read
            throw JobError.invalidConfiguration("cannot read the database map \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw JobError.invalidConfiguration("the database map \(path) is not UTF-8 text")
        }
        let summary: DatabaseCheck.Summary
        do {
            summary = try DatabaseCheck.check(DatabaseMapLoader.parse(text, file: path), databaseURL: request.url,
                                        passwordFile: request.passwordFile?.path)
        } catch let error as PostgresError where error.failureClass == .failed {
            throw JobError.failed("\(error); nothing was created")
        }
        return (Array(data), summary.warnings.map { "\(path): \($0.message)" })
    }
}
