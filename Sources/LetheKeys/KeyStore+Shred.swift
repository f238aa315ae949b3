import Foundation
import GRDB
import LetheCore
import LetheCrypto

/// What a shred did to the key store.
public struct ShredOutcome: Sendable {
    /// The pseudonym whose copies are now unreadable (nil when the customer was already shredded).
    public var pseudonym: Pseudonym?
    /// The id of the destroyed customer key.
    public var destroyedKeyID: KeyID?
    /// When the customer was shredded (now, or the earlier shred's date).
    public var shreddedAt: Date
    /// The erasure request reference.
    public var request: String
    /// True when this call found the customer already shredded and changed nothing.
    public var alreadyShredded: Bool
}

extension KeyStore {
    /// Marks the customer shredded and deletes their customer key and pseudonym mapping, in one
    /// transaction, then truncates the WAL. The caller must then `rotate()` so that stale copies
    /// of the key store become inert; until it has, `owedRotation()` reports it.
    ///
    /// - Throws: `unknownCustomer` if the key store never keyed this customer.
    public func markShredded(_ customer: CustomerID, request: String, now: Date) throws -> ShredOutcome {
        let lookup = lookup(customer)
        let outcome = try database.write { db -> ShredOutcome in
            if let tombstone = try Row.fetchOne(db, sql: "SELECT shredded_at, request FROM shredded WHERE lookup = ?", arguments: [lookup]) {
                return ShredOutcome(pseudonym: nil, destroyedKeyID: nil,
                                    shreddedAt: Date(timeIntervalSince1970: TimeInterval(tombstone["shredded_at"] as Int64)),
                                    request: tombstone["request"], alreadyShredded: true)
            }
            guard let row = try Row.fetchOne(db, sql: "SELECT pseudonym, key_id FROM customers WHERE lookup = ?", arguments: [lookup]) else {
                throw KeyStoreError.unknownCustomer
            }
            try db.execute(sql: "INSERT INTO shredded(lookup, shredded_at, request) VALUES (?, ?, ?)",
                           arguments: [lookup, Int64(now.timeIntervalSince1970), request])
            try db.execute(sql: "DELETE FROM customers WHERE lookup = ?", arguments: [lookup])
            try db.execute(sql: "INSERT OR REPLACE INTO meta(name, value) VALUES ('rotation_owed', 'shred')")
            return ShredOutcome(pseudonym: Pseudonym(row["pseudonym"]), destroyedKeyID: KeyID(row["key_id"]),
                                shreddedAt: now, request: request, alreadyShredded: false)
        }
        try database.writeWithoutTransaction { try checkpoint($0) }
        return outcome
    }
}
