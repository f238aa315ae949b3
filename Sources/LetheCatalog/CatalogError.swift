import Foundation
import LetheCore

/// What can go wrong with the catalog.
public enum CatalogError: Error, CustomStringConvertible {
    /// The catalog file is missing or unreadable.
    case unavailable(String, reason: String)
    /// No set with that id.
    case unknownSet(SetID)
    /// No copy matches.
    case noCopy(String)
    /// A row holds something Lethe never writes: the file was altered.
    case corrupt(String)

    public var description: String {
        switch self {
        case .unavailable(let path, let reason): return "the catalog \(path) is unavailable (\(reason)): check the home folder"
        case .unknownSet(let id): return "no set \(id): see `lethe list sets`"
        case .noCopy(let what): return "no copy \(what): see `lethe list archives`"
        case .corrupt(let what): return "the catalog is damaged (\(what)): it was altered outside Lethe; `lethe verify --ledger` shows whether its history was"
        }
    }
}
