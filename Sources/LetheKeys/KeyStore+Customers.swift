import Foundation
import GRDB
import LetheCore
import LetheCrypto
import LetheSQLite

/// A customer's pseudonym and unwrapped customer key.
public struct CustomerKeys: @unchecked Sendable {
    public let pseudonym: Pseudonym
    public let key: SecretKey
}

extension KeyStore {
    /// The keyed hash that finds a customer's row without storing their id: over the id's exact
    /// bytes (for a UTF-8 folder name, the same bytes its `String` form hashed before ids were bytes).
    func lookup(_ customer: CustomerID) -> Data {
        Data(KeyedHash.hash(customer.bytes, key: state.lookupKey))
    }

    /// The customer's keys, creating a pseudonym and a customer key on first use.
    ///
    /// - Throws: `customerShredded` if the customer was shredded: they are never keyed again.
    public func keysCreatingIfNeeded(for customer: CustomerID, now: Date) throws -> CustomerKeys {
        if let existing = try keys(for: customer) { return existing }
        let lookup = lookup(customer)
        let key = SecretKey.random()
        return try write { db in
            let (epoch, kek) = try currentKEK(db)
            // A shred may have committed since the read above: never key a shredded customer again.
            try refuseShredded(lookup, db)
            if let row = try Row.fetchOne(db, sql: "SELECT \(Self.customerColumns) FROM customers WHERE lookup = ?", arguments: [lookup]) {
                return try unwrapCustomerKey(row, under: kek)
            }
            return CustomerKeys(pseudonym: try insertCustomer(lookup, key: key, kek: kek, epoch: epoch, now: now, db), key: key)
        }
    }

    /// Creates a pseudonym and a customer key for every customer in `customers` that has none,
    /// in one transaction (one sync), and returns how many were created.
    ///
    /// A backup calls this before sealing anything, so its keys are durable together, before the
    /// first archive sealed with one is published, at the cost of one commit instead of one per
    /// new customer. Shredded customers are skipped: they are never keyed again.
    @discardableResult
    public func createMissingKeys(for customers: [CustomerID], now: Date) throws -> Int {
        let lookups = customers.map(lookup)
        return try write { db in
            let (epoch, kek) = try currentKEK(db)
            let known = Set(try Data.fetchAll(db, sql: "SELECT lookup FROM customers UNION ALL SELECT lookup FROM shredded"))
            var created = 0
            for lookup in Set(lookups) where !known.contains(lookup) {
                _ = try insertCustomer(lookup, key: SecretKey.random(), kek: kek, epoch: epoch, now: now, db)
                created += 1
            }
            return created
        }
    }

    /// Stores a new customer's key, wrapped under the current KEK, with a fresh pseudonym.
    private func insertCustomer(_ lookup: Data, key: SecretKey, kek: SecretKey, epoch: Int, now: Date, _ db: Database) throws -> Pseudonym {
        let pseudonym = Pseudonym.random()
        let keyID = key.id.rawValue
        let wrapped = wrapCustomerKey(key, keyID: keyID, lookup: lookup, pseudonym: pseudonym, under: kek, epoch: epoch)
        try db.execute(sql: """
            INSERT INTO customers(lookup, pseudonym, key_id, wrapped, epoch, created) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [lookup, pseudonym.rawValue, keyID, wrapped, epoch, Int64(now.timeIntervalSince1970)])
        return pseudonym
    }

    /// The customer's keys, or nil if they were never backed up.
    ///
    /// - Throws: `customerShredded` if the customer was shredded.
    public func keys(for customer: CustomerID) throws -> CustomerKeys? {
        let lookup = lookup(customer)
        return try read { db in
            let kek = try currentKEK(db).kek
            try refuseShredded(lookup, db)
            // Cached statements here and below: a backup asks once per customer.
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT \(Self.customerColumns) FROM customers WHERE lookup = ?"),
                                             arguments: [lookup]) else {
                return nil
            }
            return try unwrapCustomerKey(row, under: kek)
        }
    }

    /// `keys(for:)` of each customer, in order, read in one transaction (a backup reads its
    /// customers' keys a slice at a time): the keys, nil for a customer with none yet, or the
    /// customer's own error (`customerShredded` for a shredded one).
    ///
    /// - Throws: only what fails the read as a whole (the key store cannot be read).
    public func keys(for customers: [CustomerID]) throws -> [Result<CustomerKeys?, any Error>] {
        let lookups = customers.map(lookup)
        return try read { db in
            let kek = try currentKEK(db).kek
            let statement = try db.cachedStatement(sql: "SELECT \(Self.customerColumns) FROM customers WHERE lookup = ?")
            return lookups.map { lookup in
                Result {
                    try refuseShredded(lookup, db)
                    return try Row.fetchOne(statement, arguments: [lookup]).map { try unwrapCustomerKey($0, under: kek) }
                }
            }
        }
    }

    /// Throws `customerShredded` (with the tombstone's date and request) once `customer` is
    /// shredded: what restores and exports ask at their last step, so erasure wins every race.
    public func refuseShredded(_ customer: CustomerID) throws {
        let lookup = lookup(customer)
        // One statement, no explicit transaction (asked at the last step of each restore and export).
        try refuseShredded(try readRows(sql: Self.tombstoneSQL, arguments: [lookup]).first)
    }

    /// Throws `customerShredded` (with the tombstone's date and request) if `lookup` was shredded.
    private func refuseShredded(_ lookup: Data, _ db: Database) throws {
        try refuseShredded(try Row.fetchOne(db.cachedStatement(sql: Self.tombstoneSQL), arguments: [lookup]))
    }

    /// Throws `customerShredded` with the date and request of `tombstone`, a row of `tombstoneSQL`, if there is one.
    private func refuseShredded(_ tombstone: Row?) throws {
        guard let tombstone else { return }
        throw KeyStoreError.customerShredded(on: try tombstone.date("shredded_at", in: "shredded"),
                                             request: try tombstone.value("request", in: "shredded"))
    }

    /// A customer's tombstone, by lookup.
    static let tombstoneSQL = "SELECT shredded_at, request FROM shredded WHERE lookup = ?"

    /// The customer key of a pseudonym (as read from a header); throws if it no longer exists.
    public func customerKey(for pseudonym: Pseudonym) throws -> SecretKey {
        return try read { db in
            let kek = try currentKEK(db).kek
            guard let row = try Row.fetchOne(db, sql: "SELECT \(Self.customerColumns) FROM customers WHERE pseudonym = ?", arguments: [pseudonym.rawValue]) else {
                throw KeyStoreError.unknownPseudonym(pseudonym)
            }
            return try unwrapCustomerKey(row, under: kek).key
        }
    }

    /// The positions in `customers` of ids the key store has never seen: neither keyed nor
    /// shredded (one read, so a batch shred can refuse a typo before it destroys anything).
    public func neverSeen(_ customers: [CustomerID]) throws -> [Int] {
        let lookups = customers.map(lookup)
        return try read { db in
            try lookups.indices.filter { index in
                try !(Bool.fetchOne(db, sql: """
                    SELECT 1 FROM customers WHERE lookup = ?1 UNION ALL SELECT 1 FROM shredded WHERE lookup = ?1
                    """, arguments: [lookups[index]]) ?? false)
            }
        }
    }

    /// Every pseudonym that still has a key.
    public func pseudonyms() throws -> [Pseudonym] {
        try read { db in
            try String.fetchAll(db, sql: "SELECT pseudonym FROM customers ORDER BY pseudonym").map {
                guard let pseudonym = Self.storedPseudonym($0) else { throw SQLiteFileError.invalidValue("customers.pseudonym") }
                return pseudonym
            }
        }
    }
}
