import Foundation
import GRDB
import LetheCore
import LetheCrypto
import LetheSQLite

extension KeyStore {
    /// The expiry key of a delete-by instant, creating it on first use (the write path).
    ///
    /// - Throws: `expiryKeyDestroyed` if that date's key was already destroyed: nothing new may
    ///   be written with a delete-by that has passed.
    public func expiryKeyCreatingIfNeeded(deleteBy: Date) throws -> SecretKey {
        let day = Int64(deleteBy.timeIntervalSince1970)
        return try write { db in
            let (epoch, kek) = try currentKEK(db)
            if let key = try expiryKey(db, day: day, kek: kek) { return key }
            let key = SecretKey.random()
            let keyID = key.id.rawValue
            try db.execute(sql: "INSERT INTO expiry_keys(delete_by, key_id, wrapped, epoch) VALUES (?, ?, ?, ?)",
                           arguments: [day, keyID, wrapExpiryKey(key, keyID: keyID, day: day, under: kek, epoch: epoch), epoch])
            return key
        }
    }

    /// The expiry key of a delete-by instant (the read path).
    public func expiryKey(deleteBy: Date) throws -> SecretKey {
        let day = Int64(deleteBy.timeIntervalSince1970)
        return try read { db in
            let kek = try currentKEK(db).kek
            guard let key = try expiryKey(db, day: day, kek: kek) else { throw KeyStoreError.unknownExpiryKey(deleteBy: deleteBy) }
            return key
        }
    }

    private func expiryKey(_ db: Database, day: Int64, kek: SecretKey) throws -> SecretKey? {
        guard let row = try Row.fetchOne(db, sql: "SELECT \(Self.expiryColumns) FROM expiry_keys WHERE delete_by = ?", arguments: [day]) else {
            return nil
        }
        guard try row.value("wrapped", in: "expiry_keys", as: Data?.self) != nil else {
            throw KeyStoreError.expiryKeyDestroyed(deleteBy: Date(timeIntervalSince1970: TimeInterval(day)))
        }
        return try unwrapExpiryKey(row, under: kek)
    }

    /// Destroys the expiry key of every delete-by at or before `now`, and returns those dates.
    ///
    /// Every copy due on those dates becomes unreadable at once, wherever it is stored, for this
    /// key store. A copy of the key store taken earlier still holds them, wrapped under the
    /// current KEK: so the same transaction marks a rotation owed (`owedRotation()`), and the
    /// caller rotates, as a shred does.
    @discardableResult
    public func destroyExpiryKeys(dueBy now: Date) throws -> [Date] {
        let limit = Int64(now.timeIntervalSince1970)
        let days = try write { db in
            let days = try Int64.fetchAll(db, sql: "SELECT delete_by FROM expiry_keys WHERE wrapped IS NOT NULL AND delete_by <= ? ORDER BY delete_by",
                                          arguments: [limit])
            try db.execute(sql: "UPDATE expiry_keys SET wrapped = NULL, destroyed_at = ? WHERE wrapped IS NOT NULL AND delete_by <= ?",
                           arguments: [limit, limit])
            if !days.isEmpty {
                try db.execute(sql: "INSERT OR REPLACE INTO meta(name, value) VALUES ('rotation_owed', 'expiry')")
            }
            return days
        }
        if !days.isEmpty { try writeWithoutTransaction { try checkpoint($0) } }
        return try days.map { try StoredDate.date(fromSeconds: $0, "expiry_keys.delete_by") }
    }
}
