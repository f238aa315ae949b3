import Foundation
import LetheCore

/// Removes everything a store holds at one copy's key, every version by its id, and confirms
/// with a version listing (not `head`, which does not see older versions) that nothing is left.
///
/// Each copy has its own key, so every version stored there belongs to that copy: the one the
/// catalog recorded, and any other a retried upload or a run that died left behind. Expiry
/// deletes a copy with this, and so does cancelling a pending copy (whose upload may have
/// reached the store before the run died). Locks are checked first, against the store's own
/// clock where it reports one: a local clock running ahead must not make a run hammer a lock
/// the store still enforces, and nothing is deleted while any version is still locked.
struct StoredCopyRemoval {
    let store: any ObjectStore
    let location: Location

    /// Deletes every version stored at `key` and confirms none is left.
    ///
    /// - Returns: false when nothing was stored there (nothing to delete), true otherwise.
    /// - Throws: `objectLocked` (nothing deleted) while a version is locked; the store's errors;
    ///   `JobError.failed` when a version is still listed after deleting them all.
    @discardableResult
    func removeEveryVersion(at key: ObjectKey) throws -> Bool {
        let versions = try store.versions(of: key)
        guard !versions.isEmpty else { return false }
        if let storeNow = store.serverDate(),
           let locked = versions.first(where: { ($0.lockedUntil ?? .distantPast) > storeNow }) {
            throw ObjectStoreError.objectLocked(key, until: locked.lockedUntil)
        }
        for version in versions {
            do {
                try store.delete(key, versionID: version.versionID)
            } catch ObjectStoreError.notFound {
                continue  // gone meanwhile: the listing below decides
            }
        }
        let left = try store.versions(of: key)
        guard left.isEmpty else {
            throw JobError.failed("the \(location.rawValue) store still holds \(Wording.count(left.count, "version", "versions")) of \(key) after deleting them: it stays as it is and the next run tries again")
        }
        return true
    }
}
