import Foundation
import GRDB
import LetheCore
import LetheCrypto

/// What a rotation did.
public struct RotationReport: Sendable, Codable {
    /// The epoch before and after.
    public var fromEpoch: Int
    public var toEpoch: Int
    /// How many keys were re-wrapped (customer keys, expiry keys, the lookup key).
    public var rewrappedKeys: Int
    /// Old epochs whose key files were destroyed in every key directory.
    public var destroyedEpochs: [Int]
}

extension KeyStore {
    /// Rotates the KEK: a new epoch wraps every remaining key (each unwrap verified), written
    /// durably to every key directory; then every other epoch's key file is destroyed everywhere.
    ///
    /// Crash-safe: until the database commits the new epoch, the old KEK stays current and a
    /// stray new key file is destroyed by the next rotation; after it commits, old key files
    /// are destroyed by this call or, if a key directory is unreachable, by the next `rotate`
    /// (the store records that a rotation is owed until then).
    ///
    /// - Throws: `keyDirectoryUnavailable` if a key directory cannot be written or cleaned; the
    ///   rotation is then incomplete and says so.
    @discardableResult
    public func rotate() throws -> RotationReport {
        try loadCurrentKEK()
        let oldEpoch = state.epoch
        let oldKEK = state.kek
        let newEpoch = max(oldEpoch, try directories.flatMap { try $0.epochs() }.max() ?? 0) + 1
        let newKEK = SecretKey.random()
        for directory in directories { try directory.writeKey(newKEK, epoch: newEpoch) }
        for directory in directories {
            guard try directory.readKey(epoch: newEpoch).id == newKEK.id else {
                throw KeyStoreError.kekCorrupt(epoch: newEpoch, directory: directory.url.path)
            }
        }
        let lookupKey = state.lookupKey
        let rewrapped = try database.write { db -> Int in
            var count = 0
            for row in try Row.fetchAll(db, sql: "SELECT pseudonym, wrapped, epoch FROM customers") {
                let pseudonym = Pseudonym(row["pseudonym"])
                let key = try unwrap(row["wrapped"], under: oldKEK, context: Self.customerContext(pseudonym, epoch: row["epoch"]), what: "customer key")
                let wrapped = KeyWrap.wrap(key, under: newKEK, context: Self.customerContext(pseudonym, epoch: newEpoch))
                _ = try unwrap(Data(wrapped), under: newKEK, context: Self.customerContext(pseudonym, epoch: newEpoch), what: "re-wrapped customer key")
                try db.execute(sql: "UPDATE customers SET wrapped = ?, epoch = ? WHERE pseudonym = ?",
                               arguments: [Data(wrapped), newEpoch, pseudonym.rawValue])
                count += 1
            }
            for row in try Row.fetchAll(db, sql: "SELECT delete_by, wrapped, epoch FROM expiry_keys WHERE wrapped IS NOT NULL") {
                let day: Int64 = row["delete_by"]
                let key = try unwrap(row["wrapped"], under: oldKEK, context: Self.expiryContext(day, epoch: row["epoch"]), what: "expiry key")
                let wrapped = KeyWrap.wrap(key, under: newKEK, context: Self.expiryContext(day, epoch: newEpoch))
                _ = try unwrap(Data(wrapped), under: newKEK, context: Self.expiryContext(day, epoch: newEpoch), what: "re-wrapped expiry key")
                try db.execute(sql: "UPDATE expiry_keys SET wrapped = ?, epoch = ? WHERE delete_by = ?",
                               arguments: [Data(wrapped), newEpoch, day])
                count += 1
            }
            let wrappedLookup = KeyWrap.wrap(lookupKey, under: newKEK, context: Self.lookupContext(epoch: newEpoch))
            try db.execute(sql: "UPDATE secrets SET wrapped = ?, epoch = ? WHERE name = 'lookup'", arguments: [Data(wrappedLookup), newEpoch])
            try db.execute(sql: "UPDATE meta SET value = ? WHERE name = 'epoch'", arguments: [String(newEpoch)])
            try db.execute(sql: "UPDATE meta SET value = ? WHERE name = 'kek_id'", arguments: [newKEK.id.rawValue])
            try db.execute(sql: "INSERT OR REPLACE INTO meta(name, value) VALUES ('rotation_owed', '1')")
            return count + 1
        }
        try database.writeWithoutTransaction { try checkpoint($0) }
        state.install(epoch: newEpoch, kek: newKEK, lookupKey: lookupKey)
        let destroyed = try destroyOldEpochs()
        return RotationReport(fromEpoch: oldEpoch, toEpoch: newEpoch, rewrappedKeys: rewrapped, destroyedEpochs: destroyed)
    }

    /// Destroys every key file that is not the current epoch's, in every key directory, then
    /// clears the owed-rotation mark. Throws, leaving the mark, if a directory cannot be cleaned.
    @discardableResult
    public func destroyOldEpochs() throws -> [Int] {
        let current = state.epoch
        var destroyed = Set<Int>()
        for directory in directories {
            for epoch in try directory.epochs() where epoch != current {
                try directory.destroyKey(epoch: epoch)
                destroyed.insert(epoch)
            }
        }
        try database.write { db in
            try db.execute(sql: "DELETE FROM meta WHERE name = 'rotation_owed'")
        }
        return destroyed.sorted()
    }

    /// Why the key store is not clean, or nil: a shred or rotation that has not finished
    /// destroying old key files.
    public func owedRotation() throws -> String? {
        let owed = try database.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'rotation_owed'")
        }
        if let owed { return owed == "shred" ? "a shred has not rotated the key-encryption key yet" : "old key files were not destroyed everywhere" }
        for directory in directories where try directory.epochs().contains(where: { $0 != state.epoch }) {
            return "\(directory.url.path) still holds an old key file"
        }
        return nil
    }
}
