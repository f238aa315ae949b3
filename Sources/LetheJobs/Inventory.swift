import Foundation
import LetheCatalog
import LetheCore

/// One copy as `lethe list archives` shows it (the fields DESIGN.md names, and a few more).
public struct CopyListing: Codable, Sendable, Equatable {
    public var pseudonym: String
    public var set: String
    public var archive: String
    public var `class`: String
    public var location: String
    public var object_key: String
    public var created: String
    public var delete_by: String
    public var state: String
    public var bytes: Int64
    public var version_id: String?
    public var locked_until: String?
}

/// One set as `lethe list sets` shows it.
public struct SetListing: Codable, Sendable, Equatable {
    public var set: String
    public var created: String
    public var `class`: String
    public var customers: Int
    public var failures: Int
    public var state: String
    public var policy: String
}

/// Read-only views of what exists, for `list` and reports.
public struct Inventory: Sendable {
    let home: Home

    public init(home: Home) { self.home = home }

    /// Every copy (or one customer's), with its state as of `now`: a live or pending copy past its delete-by is overdue.
    public func copies(customer: CustomerID? = nil) throws -> [CopyListing] {
        let pseudonym = try customer.map { try CopyResolver(home: home).pseudonym(of: $0) }
        let now = home.clock.now()
        return try home.catalog.copies(pseudonym: pseudonym).map { copy in
            CopyListing(pseudonym: copy.pseudonym.rawValue, set: copy.setID.rawValue, archive: copy.archiveID.rawValue,
                        class: copy.retentionClass.rawValue, location: copy.location.rawValue,
                        object_key: copy.objectKey.rawValue, created: Timestamp.iso(copy.created),
                        delete_by: Timestamp.iso(copy.deleteBy), state: Self.effectiveState(copy, now: now).rawValue,
                        bytes: copy.bytes, version_id: copy.versionID, locked_until: copy.lockedUntil.map(Timestamp.iso))
        }
    }

    /// Every set, oldest first.
    public func sets() throws -> [SetListing] {
        try home.catalog.sets().map { set in
            SetListing(set: set.id.rawValue, created: Timestamp.iso(set.created), class: set.retentionClass.rawValue,
                       customers: set.customers, failures: set.failures, state: set.state.rawValue,
                       policy: URL(fileURLWithPath: set.policy).lastPathComponent)
        }
    }

    /// A copy's state as people should see it now: a live copy whose delete-by has passed is
    /// overdue (the expire run must delete it), and so is a pending one (the expire run must
    /// cancel its upload); the catalog row itself changes only when the expire run acts.
    static func effectiveState(_ copy: CopyRecord, now: Date) -> CopyState {
        if (copy.state == .live || copy.state == .pending) && copy.deleteBy <= now { return .overdue }
        return copy.state
    }

    /// Whether the copy's bytes are still stored past its delete-by: an overdue copy, or a
    /// shredded one (unreadable, but stored until the expire run deletes it; it keeps the state
    /// `shredded`).
    static func isOverdue(_ copy: CopyRecord, now: Date) -> Bool {
        effectiveState(copy, now: now) == .overdue || (copy.state == .shredded && copy.deleteBy <= now)
    }
}
