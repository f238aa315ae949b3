import Foundation
import LetheCatalog
import LetheCore

/// Read-only views of what exists, for `list` and reports.
public struct Inventory: Sendable {
    let home: Home

    public init(home: Home) { self.home = home }

    /// Every copy (or one customer's), with its state as of `now` (``CopyRecord/state(at:)``): a
    /// live or pending copy past its delete-by is overdue; and what `lethe verify` found wrong
    /// with it, until a later verify finds it whole (`Catalog.copyFindings()`).
    public func copies(customer: CustomerID? = nil) throws -> [CopyListing] {
        let pseudonym = try customer.map { try CopyResolver(home: home).pseudonym(of: $0) }
        let now = home.clock.now()
        let findings = try home.catalog.copyFindings()
        return try home.catalog.copies(pseudonym: pseudonym).map { copy in
            CopyListing(pseudonym: copy.pseudonym.rawValue, set: copy.setID.rawValue, archive: copy.archiveID.rawValue,
                        base: copy.baseArchiveID?.rawValue,
                        class: copy.retentionClass.rawValue, location: copy.location.rawValue,
                        object_key: copy.objectKey.rawValue, created: Timestamp.iso(copy.created),
                        delete_by: Timestamp.iso(copy.deleteBy), state: copy.state(at: now).rawValue,
                        bytes: copy.bytes, version_id: copy.versionID, locked_until: copy.lockedUntil.map(Timestamp.iso),
                        finding: findings[copy.id]?.kind.rawValue, found: (findings[copy.id]?.found).map(Timestamp.iso))
        }
    }

    /// Every set, oldest first; with `customer`, only the sets holding a copy of theirs (in any
    /// state: the sets of the copies `copies(customer:)` lists).
    ///
    /// - Throws: `unknownCustomer`, `customerShredded` for `customer`, as `copies(customer:)`.
    public func sets(customer: CustomerID? = nil) throws -> [SetListing] {
        let holding = try customer.map { customer in
            Set(try home.catalog.copies(pseudonym: try CopyResolver(home: home).pseudonym(of: customer)).map(\.setID))
        }
        return try home.catalog.sets().filter { holding?.contains($0.id) ?? true }.map { set in
            SetListing(set: set.id.rawValue, created: Timestamp.iso(set.created), class: set.retentionClass.rawValue,
                       customers: set.customers, failed: set.failures, state: set.state.rawValue,
                       policy: URL(fileURLWithPath: set.policy).lastPathComponent)
        }
    }
}
