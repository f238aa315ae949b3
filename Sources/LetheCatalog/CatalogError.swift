import Foundation
import LetheCore
import LetheSQLite

/// What can go wrong with the catalog.
public enum CatalogError: Error, CustomStringConvertible {
    /// The catalog file is missing, or cannot be read right now (busy, permissions, disk).
    case unavailable(String, reason: String)
    /// The catalog file is damaged: SQLite cannot read it, or a row holds something Lethe never
    /// writes (exit 3). Never a crash: every row is read through throwing accessors.
    case damaged(SQLiteDamage)
    /// Another process held the catalog locked for longer than the busy timeout (exit 6).
    case busy(String)
    /// No set with that id.
    case unknownSet(SetID)
    /// No copy matches.
    case noCopy(String)
    /// A ledger event's details are not what its kind records (a key missing, a number that is
    /// not one): the ledger was altered, or written by a version that does not exist (exit 3).
    /// `sequence` is nil while a payload is decoded from details alone.
    case invalidEvent(sequence: Int64?, kind: String, problem: String)

    public var description: String {
        switch self {
        case .unavailable(let path, let reason): return SQLiteFileProblem.unavailable("catalog", path, reason: reason)
        case .damaged(let damage):
            return SQLiteFileProblem.damaged(damage, "the catalog cannot be trusted", restore: "from your last backup of the home "
                + "(or salvage what SQLite can read with `sqlite3 \(damage.file.lastPathComponent) .recover`)",
                then: "`lethe verify` and `lethe verify --ledger`")
        case .busy(let path): return SQLiteFileProblem.busy("catalog", path)
        case .unknownSet(let id): return "no set \(id): see `lethe list sets`"
        case .noCopy(let what): return "no copy \(what): see `lethe list archives`"
        case .invalidEvent(let sequence, let kind, let problem):
            return "ledger event \(sequence.map(String.init) ?? "?") (\(kind)) does not hold what Lethe records for its kind: \(problem); "
                + "the ledger cannot be trusted from there: run `lethe verify --ledger`, and compare the catalog with your last backup of the home"
        }
    }
}

extension CatalogError: ClassifiedError {
    /// The class of each case (the exit status the command line gives it).
    public var failureClass: FailureClass {
        switch self {
        case .unavailable: return .failed
        case .busy: return .busy
        case .damaged, .invalidEvent: return .integrity
        case .unknownSet, .noCopy: return .notFound
        }
    }
}
