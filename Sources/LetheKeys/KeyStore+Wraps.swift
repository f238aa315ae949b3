import Foundation
import GRDB
import LetheCore
import LetheCrypto
import LetheSQLite

/// Wrapping and unwrapping the keys of key-store rows, each bound to its row (`WrapBinding`).
extension KeyStore {
    /// The columns of a `customers` row that `unwrapCustomerKey` reads.
    static let customerColumns = "lookup, pseudonym, key_id, wrapped, epoch"
    /// The columns of an `expiry_keys` row that `unwrapExpiryKey` reads.
    static let expiryColumns = "delete_by, key_id, wrapped, epoch"

    /// Which associated data the store's wraps carry (`meta.wrap_format`; absent in stores
    /// written before it existed, which are format 1).
    func storedWrapFormat(_ db: Database) throws -> WrapBinding.Format {
        guard let text = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'wrap_format'") else { return .unbound }
        guard let raw = Int(text), let format = WrapBinding.Format(rawValue: raw) else {
            throw SQLiteFileError.invalidValue("meta.wrap_format")
        }
        return format
    }

    /// A customer key wrapped under `kek`, bound to its row (`keyID` is the key's id, which the
    /// caller has at hand: the row's, once the row's wrap has opened bound to it).
    func wrapCustomerKey(_ key: SecretKey, keyID: String, lookup: Data, pseudonym: Pseudonym, under kek: SecretKey, epoch: Int) -> Data {
        Data(KeyWrap.wrap(key, under: kek, context: WrapBinding.customerKey(lookup: lookup, pseudonym: pseudonym, keyID: keyID, epoch: epoch)))
    }

    /// The pseudonym and unwrapped key of a `customers` row (`customerColumns`).
    ///
    /// - Throws: `unwrapFailed` if the wrap does not open bound to this row (its lookup,
    ///   pseudonym or key id was changed, or swapped with another row's); `storeDamaged` for a
    ///   value Lethe never writes.
    func unwrapCustomerKey(_ row: Row, under kek: SecretKey, format: WrapBinding.Format = .bound) throws -> CustomerKeys {
        let pseudonym = try row.value("pseudonym", in: "customers", Self.storedPseudonym)
        let keyID: String = try row.value("key_id", in: "customers")
        let binding = WrapBinding.customerKey(lookup: try row.value("lookup", in: "customers"), pseudonym: pseudonym, keyID: keyID,
                                              epoch: try row.value("epoch", in: "customers"), format: format)
        let key = try unwrap(try row.value("wrapped", in: "customers"), under: kek, context: binding, what: "customer key")
        // Format 1 did not bind the key id: check it once, when such a row is read to be upgraded.
        if format == .unbound, key.id.rawValue != keyID { throw KeyStoreError.unwrapFailed("customer key (its key id)") }
        return CustomerKeys(pseudonym: pseudonym, key: key)
    }

    /// An expiry key wrapped under `kek`, bound to its delete-by (unix seconds) and id.
    func wrapExpiryKey(_ key: SecretKey, keyID: String, day: Int64, under kek: SecretKey, epoch: Int) -> Data {
        Data(KeyWrap.wrap(key, under: kek, context: WrapBinding.expiryKey(day: day, keyID: keyID, epoch: epoch)))
    }

    /// The unwrapped key of an `expiry_keys` row (`expiryColumns`) that still holds one.
    ///
    /// - Throws: `unwrapFailed` if the wrap does not open bound to this row; `storeDamaged`.
    func unwrapExpiryKey(_ row: Row, under kek: SecretKey, format: WrapBinding.Format = .bound) throws -> SecretKey {
        let keyID: String = try row.value("key_id", in: "expiry_keys")
        let binding = WrapBinding.expiryKey(day: try row.value("delete_by", in: "expiry_keys"), keyID: keyID,
                                            epoch: try row.value("epoch", in: "expiry_keys"), format: format)
        let key = try unwrap(try row.value("wrapped", in: "expiry_keys"), under: kek, context: binding, what: "expiry key")
        if format == .unbound, key.id.rawValue != keyID { throw KeyStoreError.unwrapFailed("expiry key (its key id)") }
        return key
    }

    /// The unwrapped lookup key (`secrets` row 'lookup').
    func unwrapLookupKey(_ db: Database, under kek: SecretKey, format: WrapBinding.Format) throws -> SecretKey {
        guard let row = try Row.fetchOne(db, sql: "SELECT wrapped, epoch FROM secrets WHERE name = 'lookup'") else {
            throw SQLiteFileError.invalidValue("secrets.wrapped of the lookup key (missing)")
        }
        return try unwrap(try row.value("wrapped", in: "secrets"), under: kek,
                          context: WrapBinding.lookupKey(epoch: try row.value("epoch", in: "secrets"), format: format), what: "lookup key")
    }

    /// Opens every wrapped key in the store under `kek` (as `format` binds them) and wraps it
    /// again under `newKEK` for `newEpoch`, bound to its row (format 2), checking each new wrap
    /// opens to the same key. The caller's transaction commits it all or nothing.
    ///
    /// - Returns: how many keys were re-wrapped (customer keys, expiry keys, the signing key, the
    ///   lookup key).
    func rewrapEveryKey(_ db: Database, from kek: SecretKey, format: WrapBinding.Format,
                        to newKEK: SecretKey, epoch newEpoch: Int) throws -> Int {
        var count = 0
        // One prepared statement per table, not one parse per key (10,000 customers: 10,000 updates).
        let updateCustomer = try db.cachedStatement(sql: "UPDATE customers SET wrapped = ?, epoch = ? WHERE lookup = ?")
        let updateExpiry = try db.cachedStatement(sql: "UPDATE expiry_keys SET wrapped = ?, epoch = ? WHERE delete_by = ?")
        for row in try Row.fetchAll(db, sql: "SELECT \(Self.customerColumns) FROM customers") {
            // The row's key id is the key's: bound in its wrap (format 2) or checked (format 1).
            let keys = try unwrapCustomerKey(row, under: kek, format: format)
            let lookup: Data = try row.value("lookup", in: "customers"), keyID: String = try row.value("key_id", in: "customers")
            let wrapped = wrapCustomerKey(keys.key, keyID: keyID, lookup: lookup, pseudonym: keys.pseudonym, under: newKEK, epoch: newEpoch)
            let check = WrapBinding.customerKey(lookup: lookup, pseudonym: keys.pseudonym, keyID: keyID, epoch: newEpoch)
            guard try unwrap(wrapped, under: newKEK, context: check, what: "re-wrapped customer key") == keys.key else {
                throw KeyStoreError.unwrapFailed("re-wrapped customer key")
            }
            try updateCustomer.execute(arguments: [wrapped, newEpoch, lookup])
            count += 1
        }
        for row in try Row.fetchAll(db, sql: "SELECT \(Self.expiryColumns) FROM expiry_keys WHERE wrapped IS NOT NULL") {
            let key = try unwrapExpiryKey(row, under: kek, format: format)
            let day: Int64 = try row.value("delete_by", in: "expiry_keys"), keyID: String = try row.value("key_id", in: "expiry_keys")
            let wrapped = wrapExpiryKey(key, keyID: keyID, day: day, under: newKEK, epoch: newEpoch)
            let check = WrapBinding.expiryKey(day: day, keyID: keyID, epoch: newEpoch)
            guard try unwrap(wrapped, under: newKEK, context: check, what: "re-wrapped expiry key") == key else {
                throw KeyStoreError.unwrapFailed("re-wrapped expiry key")
            }
            try updateExpiry.execute(arguments: [wrapped, newEpoch, day])
            count += 1
        }
        if let signing = try unwrapSigningSeed(db, under: kek) {
            let wrapped = KeyWrap.wrap(signing, under: newKEK, context: WrapBinding.signingKey(epoch: newEpoch))
            try db.execute(sql: "UPDATE secrets SET wrapped = ?, epoch = ? WHERE name = 'signing'", arguments: [Data(wrapped), newEpoch])
            count += 1
        }
        let lookupKey = try unwrapLookupKey(db, under: kek, format: format)
        let wrappedLookup = KeyWrap.wrap(lookupKey, under: newKEK, context: WrapBinding.lookupKey(epoch: newEpoch))
        try db.execute(sql: "UPDATE secrets SET wrapped = ?, epoch = ? WHERE name = 'lookup'", arguments: [Data(wrappedLookup), newEpoch])
        try db.execute(sql: "INSERT OR REPLACE INTO meta(name, value) VALUES ('wrap_format', ?)", arguments: [String(WrapBinding.Format.bound.rawValue)])
        return count + 1
    }
}
