import Foundation

/// One stored (or planned) copy of one archive, as the catalog holds it: the one model of a
/// copy that the catalog stores, the planner plans over and the report and listings show.
public struct CopyRecord: Sendable, Equatable, Codable {
    /// The catalog's row id (0 before insertion).
    public var id: Int64
    /// The archive it is a copy of (shared by all its copies).
    public var archiveID: ArchiveID
    /// The set it belongs to.
    public var setID: SetID
    /// Whose archive it is (never the customer id).
    public var pseudonym: Pseudonym
    /// The class of its set, decided when the set was written.
    public var retentionClass: RetentionClass
    /// Where the copy is (or is to be) stored.
    public var location: Location
    /// Its name in its store.
    public var objectKey: ObjectKey
    /// When its set was created.
    public var created: Date
    /// Fixed when the copy is written; never moves.
    public var deleteBy: Date
    /// Its state in the catalog (the row changes only when a job acts; see ``state(at:)``).
    public var state: CopyState
    /// Stored size in bytes (0 while pending).
    public var bytes: Int64
    /// The store's version id, where it keeps versions.
    public var versionID: String?
    /// The object-lock retain-until date, if locked.
    public var lockedUntil: Date?
    /// The archive this one is a differential against (its header's `baseArchiveID`); nil for
    /// a full archive. Shared by all the archive's copies.
    public var baseArchiveID: ArchiveID?

    /// Creates a record (the catalog assigns `id` when it is inserted).
    public init(id: Int64 = 0, archiveID: ArchiveID, setID: SetID, pseudonym: Pseudonym, retentionClass: RetentionClass,
                location: Location, objectKey: ObjectKey, created: Date, deleteBy: Date, state: CopyState,
                bytes: Int64, versionID: String? = nil, lockedUntil: Date? = nil, baseArchiveID: ArchiveID? = nil) {
        self.id = id
        self.archiveID = archiveID
        self.setID = setID
        self.pseudonym = pseudonym
        self.retentionClass = retentionClass
        self.location = location
        self.objectKey = objectKey
        self.created = created
        self.deleteBy = deleteBy
        self.state = state
        self.bytes = bytes
        self.versionID = versionID
        self.lockedUntil = lockedUntil
        self.baseArchiveID = baseArchiveID
    }
}

extension CopyRecord {
    /// The copy's state as people should see it at `now`: a live copy whose delete-by has
    /// passed is overdue (the expire run must delete it), and so is a pending one (the expire
    /// run must cancel its upload); the catalog row itself changes only when the expire run acts.
    /// `lethe list archives` and the report show this state.
    public func state(at now: Date) -> CopyState {
        if (state == .live || state == .pending) && deleteBy <= now { return .overdue }
        return state
    }

    /// Whether the copy's bytes are still stored past its delete-by at `now`: an overdue copy,
    /// or a shredded one (unreadable, but stored until the expire run deletes it; it keeps the
    /// state `shredded`).
    public func isOverdue(at now: Date) -> Bool {
        state(at: now) == .overdue || (state == .shredded && deleteBy <= now)
    }
}
