import Foundation
import LetheCore

/// What can go wrong reading a row of an SQLite file Lethe keeps.
///
/// Stores never let this error out: `SQLiteDamage.diagnose` turns it into their own damage
/// error, with what `PRAGMA quick_check` says about the file.
public enum SQLiteFileError: Error, Equatable, CustomStringConvertible {
    /// A row holds a value Lethe never writes there (`what` names the table and column, never the value).
    case invalidValue(String)
    /// A file that must exist already holds no tables: SQLite reads a zero-length or replaced
    /// file as an empty database.
    case noTables

    public var description: String {
        switch self {
        case .invalidValue(let what): return "\(what) holds a value Lethe never writes"
        case .noTables: return "the file holds no tables: it was emptied or replaced"
        }
    }
}

extension SQLiteFileError {
    /// Throws `noTables` if the file at `url` is empty: checked before opening a file that must
    /// already exist, since opening it (in WAL mode) would write a new database header into it.
    public static func requireContent(_ url: URL) throws {
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int
        if size == 0 { throw SQLiteFileError.noTables }
    }
}

extension SQLiteFileError: ClassifiedError {
    /// Failed, as the command line has always reported it: the stores turn it into their own
    /// damage error (integrity) before it reaches it.
    public var failureClass: FailureClass {
        switch self {
        case .invalidValue, .noTables: return .failed
        }
    }
}
