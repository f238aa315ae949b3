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
        case .unavailable(let path, let reason): return "the catalog \(path) is unavailable (\(reason)): check the home folder"
        case .damaged(let damage):
            return "\(damage): the catalog cannot be trusted; run nothing that writes to this home, restore \(damage.file.lastPathComponent) "
                + "from your last backup of the home (or salvage what SQLite can read with `sqlite3 \(damage.file.lastPathComponent) .recover`), "
                + "then run `lethe verify` and `lethe verify --ledger`"
        case .busy(let path):
            return "the catalog \(path) stayed locked by another process (a lethe run stopped or stalled?): "
                + "let it finish or stop it, then run this command again"
        case .unknownSet(let id): return "no set \(id): see `lethe list sets`"
        case .noCopy(let what): return "no copy \(what): see `lethe list archives`"
        case .invalidEvent(let sequence, let kind, let problem):
            return "ledger event \(sequence.map(String.init) ?? "?") (\(kind)) does not hold what Lethe records for its kind: \(problem); "
                + "the ledger cannot be trusted from there: run `lethe verify --ledger`, and compare the catalog with your last backup of the home"
        }
    }
}
