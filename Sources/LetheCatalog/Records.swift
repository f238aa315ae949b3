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

/// A new state for one copy, and the ledger event that records why.
public struct CopyStateChange: Sendable, Equatable {
    /// The copy's catalog row id.
    public var id: Int64
    /// Its new state.
    public var state: CopyState
    /// The event appended with the change.
    public var event: LedgerEvent

    /// Creates a change.
    public init(id: Int64, state: CopyState, event: LedgerEvent) { (self.id, self.state, self.event) = (id, state, event) }
}
