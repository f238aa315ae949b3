import Foundation
import LetheCatalog
import LetheCore
import LetheKeys

/// Finds the copy to read for a customer: never by customer id in the catalog, only through the
/// key store's pseudonym.
struct CopyResolver {
    let home: Home

    /// The customer's pseudonym; throws `customerShredded` or `unknownCustomer`.
    func pseudonym(of customer: CustomerID) throws -> Pseudonym {
        do {
            guard let keys = try home.keys.keys(for: customer) else { throw JobError.unknownCustomer }
            return keys.pseudonym
        } catch KeyStoreError.customerShredded(let date, let request) {
            throw JobError.customerShredded(on: date, request: request)
        }
    }

    /// The copy of `customer` in `set` (nil: the newest set with a readable copy), from `location`
    /// (nil: local if it has one, else offsite).
    func copy(of customer: CustomerID, set: SetID?, from location: Location?) throws -> CopyRecord {
        let pseudonym = try pseudonym(of: customer)
        let readable = try home.catalog.copies(pseudonym: pseudonym, set: set, states: [.live, .overdue])
            .filter { location == nil || $0.location == location }
        guard let newestSet = readable.map(\.setID).max() else {
            if let set { throw JobError.notFound("the customer has no readable copy in set \(set)\(location.map { " at \($0.rawValue)" } ?? "")") }
            throw JobError.notFound("the customer has no readable copy\(location.map { " at \($0.rawValue)" } ?? "")")
        }
        let candidates = readable.filter { $0.setID == newestSet }
        return candidates.first { $0.location == .local } ?? candidates[0]
    }

    /// A readable copy of the same archive at another location, if there is one.
    func otherCopy(of copy: CopyRecord, at location: Location) throws -> CopyRecord? {
        try home.catalog.copies(pseudonym: copy.pseudonym, set: copy.setID, location: location, states: [.live, .overdue])
            .first { $0.archiveID == copy.archiveID }
    }
}
