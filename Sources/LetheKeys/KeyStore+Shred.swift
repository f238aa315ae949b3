import Foundation
import GRDB
import LetheCore
import LetheCrypto
import LetheSQLite

/// What a shred did to the key store.
public struct ShredOutcome: Sendable {
    /// The pseudonym whose copies are now unreadable (nil when the customer was already
    /// shredded and that shred was fully recorded).
    public var pseudonym: Pseudonym?
    /// The id of the destroyed customer key (nil like `pseudonym`).
    public var destroyedKeyID: KeyID?
    /// When the customer was shredded (now, or the earlier shred's date).
    public var shreddedAt: Date
    /// The erasure request reference (this one, or the earlier shred's).
    public var request: String
    /// True when this call found the customer already shredded and changed nothing.
    public var alreadyShredded: Bool
    /// True when this call recorded a tombstone for a customer the key store never keyed
    /// (`notYetBackedUp`): nothing was destroyed, every later backup of them is refused.
    public var nothingStored = false
}

/// A shred whose key was destroyed but whose copies the catalog has not yet recorded as
/// shredded (the process died between the two steps).
public struct PendingShred: Sendable, Equatable {
    /// The pseudonym of the shredded customer.
    public var pseudonym: Pseudonym
    /// The id of the destroyed customer key.
    public var destroyedKeyID: KeyID
    /// When the customer key was destroyed.
    public var shreddedAt: Date
    /// The erasure request reference.
    public var request: String

    public init(pseudonym: Pseudonym, destroyedKeyID: KeyID, shreddedAt: Date, request: String) {
        self.pseudonym = pseudonym
        self.destroyedKeyID = destroyedKeyID
        self.shreddedAt = shreddedAt
        self.request = request
    }
}

extension KeyStore {
    /// Marks the customer shredded and deletes their customer key and pseudonym mapping, in one
    /// transaction, then truncates the WAL. From the moment this returns, no process can unwrap
    /// the customer key any more and a running backup of that customer publishes nothing.
    ///
    /// The tombstone keeps the pseudonym as *pending* until the caller has recorded the copies
    /// in the catalog (`shredRecorded`), and the store owes a rotation until `rotate()` has made
    /// every stale copy of the key store inert: `owedRotation()` reports it meanwhile.
    ///
    /// Shredding again changes nothing and returns `alreadyShredded` (with the pseudonym if
    /// the earlier shred is still pending).
    ///
    /// - Parameters:
    ///   - notYetBackedUp: for a customer the key store never keyed, record the tombstone anyway
    ///     (no key to destroy, no rotation owed, `nothingStored` in the outcome): from then on the
    ///     customer is refused like a shredded one and never keyed. A customer who does have a key
    ///     (a backup keyed them meanwhile) is shredded as usual. The check and the tombstone are
    ///     one transaction, as is keying a customer, so the two cannot interleave.
    /// - Throws: `unknownCustomer` if the key store never keyed this customer and
    ///   `notYetBackedUp` is false; `unwrapFailed` (nothing destroyed) if the row this customer's
    ///   lookup finds does not hold a key bound to it (the key store was altered: rows swapped).
    public func markShredded(_ customer: CustomerID, request: String, now: Date, notYetBackedUp: Bool = false) throws -> ShredOutcome {
        let lookup = lookup(customer)
        let outcome = try write { db -> ShredOutcome in
            if let tombstone = try Row.fetchOne(db, sql: """
                SELECT shredded_at, request, pending_pseudonym, pending_key_id FROM shredded WHERE lookup = ?
                """, arguments: [lookup]) {
                return ShredOutcome(pseudonym: try tombstone.value("pending_pseudonym", in: "shredded", as: String?.self).map {
                                        guard let pseudonym = Self.storedPseudonym($0) else { throw SQLiteFileError.invalidValue("shredded.pending_pseudonym") }
                                        return pseudonym
                                    },
                                    destroyedKeyID: try tombstone.value("pending_key_id", in: "shredded", as: String?.self).map { KeyID($0) },
                                    shreddedAt: try tombstone.date("shredded_at", in: "shredded"),
                                    request: try tombstone.value("request", in: "shredded"), alreadyShredded: true)
            }
            let at = Int64(now.timeIntervalSince1970.rounded(.down))
            guard let row = try Row.fetchOne(db, sql: "SELECT \(Self.customerColumns) FROM customers WHERE lookup = ?", arguments: [lookup]) else {
                guard notYetBackedUp else { throw KeyStoreError.unknownCustomer }
                try db.execute(sql: "INSERT INTO shredded(lookup, shredded_at, request) VALUES (?, ?, ?)", arguments: [lookup, at, request])
                return ShredOutcome(pseudonym: nil, destroyedKeyID: nil, shreddedAt: Date(timeIntervalSince1970: TimeInterval(at)),
                                    request: request, alreadyShredded: false, nothingStored: true)
            }
            // Destroy only a key that opens bound to this customer's lookup: a row whose lookup
            // was swapped with another customer's holds that customer's key (refused, exit 3).
            let pseudonym = try unwrapCustomerKey(row, under: try currentKEK(db).kek).pseudonym
            let keyID: String = try row.value("key_id", in: "customers")
            try db.execute(sql: """
                INSERT INTO shredded(lookup, shredded_at, request, pending_pseudonym, pending_key_id) VALUES (?, ?, ?, ?, ?)
                """, arguments: [lookup, at, request, pseudonym.rawValue, keyID])
            try db.execute(sql: "DELETE FROM customers WHERE lookup = ?", arguments: [lookup])
            try db.execute(sql: "INSERT OR REPLACE INTO meta(name, value) VALUES ('rotation_owed', 'shred')")
            return ShredOutcome(pseudonym: pseudonym, destroyedKeyID: KeyID(keyID),
                                shreddedAt: Date(timeIntervalSince1970: TimeInterval(at)), request: request, alreadyShredded: false)
        }
        if !outcome.alreadyShredded && !outcome.nothingStored { try writeWithoutTransaction { try checkpoint($0) } }
        return outcome
    }

    /// Shreds whose copies the catalog has not recorded yet, oldest first.
    public func pendingShreds() throws -> [PendingShred] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT pending_pseudonym, pending_key_id, shredded_at, request FROM shredded
                WHERE pending_pseudonym IS NOT NULL ORDER BY shredded_at
                """).map { row in
                PendingShred(pseudonym: try row.value("pending_pseudonym", in: "shredded", Self.storedPseudonym),
                             destroyedKeyID: KeyID(try row.value("pending_key_id", in: "shredded")),
                             shreddedAt: try row.date("shredded_at", in: "shredded"),
                             request: try row.value("request", in: "shredded"))
            }
        }
    }

    /// Forgets the pseudonym of a shred once the catalog has recorded it, so nothing in the key
    /// store links the customer to it any more, and truncates the WAL.
    public func shredRecorded(_ pseudonym: Pseudonym) throws {
        try write { db in
            try db.execute(sql: "UPDATE shredded SET pending_pseudonym = NULL, pending_key_id = NULL WHERE pending_pseudonym = ?",
                           arguments: [pseudonym.rawValue])
        }
        try writeWithoutTransaction { try checkpoint($0) }
    }

    /// When and under which request the customer was shredded, or nil if they were not.
    public func tombstone(_ customer: CustomerID) throws -> (shreddedAt: Date, request: String)? {
        try tombstones([customer])[0]
    }

    /// `tombstone(_:)` of each customer, in order, read in one transaction (a backup checks a
    /// whole batch of archives at once).
    public func tombstones(_ customers: [CustomerID]) throws -> [(shreddedAt: Date, request: String)?] {
        let lookups = customers.map(lookup)
        return try read { db in
            let statement = try db.cachedStatement(sql: Self.tombstoneSQL)
            return try lookups.map { lookup in
                try Row.fetchOne(statement, arguments: [lookup]).map {
                    (try $0.date("shredded_at", in: "shredded"), try $0.value("request", in: "shredded"))
                }
            }
        }
    }
}
