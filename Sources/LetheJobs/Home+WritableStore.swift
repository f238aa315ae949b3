import Foundation
import LetheCore

extension Home {
    /// The store serving a location, for a write (an upload, a deletion, one of Lethe's own
    /// objects): the offsite store only while this run has not found it unavailable
    /// (``offsiteDown``), which includes a run that could not read its ledger-head marker at the
    /// start: nothing goes offsite from a run that has not checked that no other copy of this
    /// home wrote there since (``Maintenance/refuseUnsafeWrite(now:)``).
    ///
    /// - Throws: `ObjectStoreError.unavailable` (transient: the next run retries) once the
    ///   offsite store was found unavailable in this run; what ``store(for:)`` throws.
    func writableStore(for location: Location) throws -> any ObjectStore {
        if location == .offsite, let reason = offsiteDown.reason {
            throw ObjectStoreError.unavailable("not attempted: it was unavailable earlier in this run: \(reason)")
        }
        return try store(for: location)
    }
}
