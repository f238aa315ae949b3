import Foundation
import LetheCatalog
import LetheCore
import LetheStore

/// What every writing run does first: check the clock, and clean up after a run that died.
struct Maintenance {
    let home: Home

    /// Refuses a clock earlier than the last recorded event; closes sets left `running` by a
    /// dead run (partial if some copies were recorded, failed otherwise); removes temporary
    /// files a dead run left in the local store. Call with the run lock held.
    func prepareRun(now: Date) throws {
        if let last = try home.catalog.latestRecordedTime(), now < last {
            throw JobError.clockWentBack(now: now, last: last)
        }
        for set in try home.catalog.sets() where set.state == .running {
            let committed = try home.catalog.copies(set: set.id, location: .local).count
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
}
