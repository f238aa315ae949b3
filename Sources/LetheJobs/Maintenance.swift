import Foundation
import LetheCatalog
import LetheCore
import LetheStore

/// What every writing run does first: check the clock, and clean up after a run that died.
struct Maintenance {
    let home: Home

    /// Refuses a clock earlier than the last recorded event; closes sets left `running` by a
    /// dead run (partial if some copies were recorded, failed otherwise) and deletes the
    /// archives it published but did not live to record; removes temporary files a dead run
    /// left in the local store. Call with the run lock held.
    func prepareRun(now: Date) throws {
        if let last = try home.catalog.latestRecordedTime(), now < last {
            throw JobError.clockWentBack(now: now, last: last)
        }
        for set in try home.catalog.sets() where set.state == .running {
            let recorded = try home.catalog.copies(set: set.id, location: .local)
            try removeUnrecordedArchives(of: set.id, recorded: Set(recorded.map(\.objectKey)))
            let committed = recorded.count
            let state: SetState = committed > 0 ? .partial : .failed
            try home.catalog.finishSet(set.id, state: state, customers: committed, failures: 0,
                                       event: LedgerEvent(kind: "set.abandoned", at: now, details: [
                                        "set": set.id.rawValue, "state": state.rawValue, "committed": String(committed),
                                        "reason": "the run that wrote it stopped before finishing"]))
            home.log.warning("set.abandoned", ["set": set.id.rawValue, "state": state.rawValue])
        }
        if let local = home.localStore as? LocalDirectoryStore {
            let removed = try local.removeStaleTemporaries(olderThan: .distantFuture)
            if removed > 0 { home.log.warning("store.temporaries_removed", ["count": String(removed)]) }
        }
    }

    /// Deletes local archives of `set` that the catalog never recorded: published by a run that
    /// died between the rename and the catalog write. Nothing refers to them.
    private func removeUnrecordedArchives(of set: SetID, recorded: Set<ObjectKey>) throws {
        let unrecorded = try home.localStore.list(prefix: ObjectKey.archivePrefix)
            .filter { $0.key.archiveSet == set && !recorded.contains($0.key) }
        for object in unrecorded { try home.localStore.delete(object.key, versionID: nil) }
        if !unrecorded.isEmpty {
            home.log.warning("store.unrecorded_removed", ["set": set.rawValue, "count": String(unrecorded.count)])
        }
    }
}
