import Foundation
import LetheCore

/// An earlier archive of the same customer that a new archive could be written against.
public struct BaseCandidate: Sendable, Equatable {
    /// The archive.
    public var archive: ArchiveID
    /// Its set.
    public var set: SetID
    /// Its set's class.
    public var retentionClass: RetentionClass
    /// Its set's creation time.
    public var created: Date
    /// The delete-by of each of its copies that is live and not found damaged, by location.
    public var deleteBy: [Location: Date]

    /// A candidate.
    public init(archive: ArchiveID, set: SetID, retentionClass: RetentionClass, created: Date, deleteBy: [Location: Date]) {
        (self.archive, self.set, self.retentionClass, self.created, self.deleteBy) = (archive, set, retentionClass, created, deleteBy)
    }
}

/// How a customer's archive is written, and why: in full, or as a differential against a base.
public enum ArchiveLevel: Sendable, Equatable {
    /// A full archive: everything is in it.
    case full(reason: String)
    /// A differential: what changed since `base`, which outlives it at every location it goes to.
    case differential(base: BaseCandidate, reason: String)

    /// Why this level was chosen, in words for the log.
    public var reason: String {
        switch self {
        case .full(let reason), .differential(_, let reason): reason
        }
    }
}
