import Foundation
import LetheCore

/// One backup set as the catalog holds it.
public struct SetRecord: Sendable, Equatable, Codable {
    public var id: SetID
    public var created: Date
    public var retentionClass: RetentionClass
    public var state: SetState
    /// The policy file the set was classified under.
    public var policy: String
    /// How many customers the set holds (committed archives).
    public var customers: Int
    /// How many customers failed.
    public var failures: Int

    public init(id: SetID, created: Date, retentionClass: RetentionClass, state: SetState, policy: String,
                customers: Int = 0, failures: Int = 0) {
        self.id = id
        self.created = created
        self.retentionClass = retentionClass
        self.state = state
        self.policy = policy
        self.customers = customers
        self.failures = failures
    }
}

/// One stored (or planned) copy of one archive.
public struct CopyRecord: Sendable, Equatable, Codable {
    /// The catalog's row id (0 before insertion).
    public var id: Int64
    public var archiveID: ArchiveID
    public var setID: SetID
    public var pseudonym: Pseudonym
    public var retentionClass: RetentionClass
    public var location: Location
    public var objectKey: ObjectKey
    public var created: Date
    /// Fixed when the copy is written; never moves.
    public var deleteBy: Date
    public var state: CopyState
    /// Stored size in bytes (0 while pending).
    public var bytes: Int64
    /// The store's version id, where it keeps versions.
    public var versionID: String?
    /// The object-lock retain-until date, if locked.
    public var lockedUntil: Date?

    public init(id: Int64 = 0, archiveID: ArchiveID, setID: SetID, pseudonym: Pseudonym, retentionClass: RetentionClass,
                location: Location, objectKey: ObjectKey, created: Date, deleteBy: Date, state: CopyState,
                bytes: Int64, versionID: String? = nil, lockedUntil: Date? = nil) {
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
    }
}

/// A new state for one copy, and the ledger event that records why.
public struct CopyStateChange: Sendable, Equatable {
    /// The copy's catalog row id.
    public var id: Int64
    /// Its new state.
    public var state: CopyState
    /// The event appended with the change.
    public var event: LedgerEvent

    /// Creates a change.
    public init(id: Int64, state: CopyState, event: LedgerEvent) {
        self.id = id
        self.state = state
        self.event = event
    }
}
