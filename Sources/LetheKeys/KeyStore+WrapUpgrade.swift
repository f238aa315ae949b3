import Foundation
import GRDB
import LetheCrypto

extension KeyStore {
    /// Upgrades a store whose wraps do not bind their rows (format 1, written before
    /// `WrapBinding`) in place, once, in one transaction: every key is re-wrapped under the
    /// current KEK, bound to the row it sits on now, and `meta.wrap_format` becomes 2.
    ///
    /// A row whose lookup was swapped before the upgrade is bound as it stands (nothing can tell):
    /// docs/DESIGN.md, threat model. Until the KEK is next rotated, the old format-1 wraps of the
    /// same epoch could be written back by someone holding a copy of the file taken before, so
    /// the upgrade records a rotation as owed (`owedRotation`, `keys status`; the next shred or
    /// `keys rotate` makes them inert).
    ///
    /// - Returns: true if this call upgraded the store (false: it already was, or another
    ///   process upgraded it meanwhile).
    @discardableResult
    func upgradeWrapsIfNeeded() throws -> Bool {
        guard try read({ try storedWrapFormat($0) }) == .unbound else { return false }
        let upgraded = try write { db -> Bool in
            guard try storedWrapFormat(db) == .unbound else { return false }
            let (epoch, kek) = try currentKEK(db)
            _ = try rewrapEveryKey(db, from: kek, format: .unbound, to: kek, epoch: epoch)
            try db.execute(sql: "INSERT OR IGNORE INTO meta(name, value) VALUES ('rotation_owed', 'upgrade')")
            return true
        }
        // The format-1 wraps leave no copy in the WAL (secure_delete clears the free pages).
        if upgraded { try writeWithoutTransaction { try checkpoint($0) } }
        return upgraded
    }
}
