import Foundation
import LetheCore

/// What the planner needs to know about one copy, as the catalog records it.
public struct CopyFacts: Sendable, Hashable {
    /// The catalog's id for this copy.
    public var id: Int64
    /// Where the copy is (or is to be) stored.
    public var location: Location
    /// The class of its set, decided when the set was written.
    public var retentionClass: RetentionClass
    /// Whose archive it is (never the customer id).
    public var pseudonym: Pseudonym
    /// The set it belongs to.
    public var setID: SetID
    /// When its set was created.
    public var created: Date
    /// Its delete-by, fixed when it was written; the planner never moves it.
    public var deleteBy: Date
    /// Its state in the catalog.
    public var state: CopyState
    /// Its name in its store.
    public var objectKey: ObjectKey

    /// Creates the facts of one copy.
    public init(id: Int64, location: Location, retentionClass: RetentionClass, pseudonym: Pseudonym,
                setID: SetID, created: Date, deleteBy: Date, state: CopyState, objectKey: ObjectKey) {
        self.id = id
        self.location = location
        self.retentionClass = retentionClass
        self.pseudonym = pseudonym
        self.setID = setID
        self.created = created
        self.deleteBy = deleteBy
        self.state = state
        self.objectKey = objectKey
    }
}
