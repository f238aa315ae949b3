import Foundation
import LetheCore

/// Lethe's own small, unlocked objects in a store, outside `archives/` (the offsite epoch
/// witness, the ledger-head marker): read whole, replaced whole.
extension ObjectStore {
    /// The bytes of the object at `key`, or nil when there is none.
    ///
    /// - Throws: the store's errors but `notFound`.
    func smallObject(_ key: ObjectKey) throws -> [UInt8]? {
        do {
            return try get(key) { try $0.readAll() }
        } catch ObjectStoreError.notFound {
            return nil
        }
    }

    /// Stores `bytes` at `key`, unlocked, and deletes the key's older versions: a versioned
    /// (object-lock) bucket keeps one per overwrite, and only the newest says anything.
    ///
    /// - Throws: the store's errors; `objectLocked` when a bucket's default retention rule
    ///   locked the current version (it can be neither replaced nor deleted until then).
    func replaceSmallObject(_ key: ObjectKey, with bytes: [UInt8]) throws {
        _ = try put(key, lockUntil: nil) { try $0.write(bytes) }
        for stale in try versions(of: key).dropFirst() {
            try delete(key, versionID: stale.versionID)
        }
    }
}
