import Foundation
import LetheCatalog
import LetheCore

/// What every writing run does first: check the clock, and clean up after a run that died.
struct Maintenance {
    let home: Home

    /// How old (by the store's clock) an unfinished multipart upload must be to be aborted: no
    /// upload of a live run takes a day, so one that old was left by a run that died.
    static let abandonedUploadAge: TimeInterval = 86_400

    /// Refuses a clock earlier than the last recorded event, a store (local or offsite) another
    /// copy of this home wrote to since (``refuseUnsafeWrite(now:)``), and an offsite endpoint that is
    /// plain http to another host without `allowInsecureHTTP`; closes sets left `running` by a
    /// dead run (partial if some copies were recorded, failed otherwise) and deletes the
    /// archives it published but did not live to record; removes temporary files a dead run
    /// left in the local store; aborts multipart uploads under Lethe's prefix that are a day old
    /// by the offsite store's clock; records the current epoch offsite if the last rotation could
    /// not. Call with the run lock held.
    func prepareRun(now: Date) throws {
        try refuseUnsafeWrite(now: now)
        try home.checkOffsiteTransport()
        for set in try home.catalog.sets() where set.state == .running {
            let recorded = try home.catalog.copies(set: set.id, location: .local)
            try removeUnrecordedArchives(of: set.id, recorded: Set(recorded.map(\.objectKey)))
            let committed = recorded.count
            let state: SetState = committed > 0 ? .partial : .failed
            try home.catalog.finishSet(set.id, state: state, customers: committed, failures: 0,
                                       event: LedgerEvent(LedgerEvent.SetAbandoned(set: set.id, state: state, committed: committed,
                                                                                   reason: "the run that wrote it stopped before finishing"),
                                                          at: now))
            home.log.warning("set.abandoned", ["set": set.id.rawValue, "state": state.rawValue])
        }
        // The run lock is held: no write to the local store is in flight, so every leftover is abandoned.
        let removed = try home.localStore.removeAbandoned(prefix: ObjectKey.archivePrefix, olderThan: 0)
        if !removed.isEmpty { home.log.warning("store.temporaries_removed", ["count": String(removed.count)]) }
        try abortAbandonedUploads(now: now)
        // Catches up an offsite epoch witness a rotation could not record (the store was down).
        try OffsiteEpochWitness(home: home).catchUp(now: now)
    }

    /// What every run that writes checks before it changes anything: the clock
    /// (``refuseClockGoneBack(now:)``), and that the ledger-head markers of the local store and
    /// of the offsite store (when one is set up) are events of this home's ledger
    /// (``StoreHeadMarker``: no other copy of this home wrote to either since). Such a run then
    /// records its head when it ends (``recordLedgerHead()``, deferred).
    ///
    /// An offsite marker that cannot be read (the store is down, refuses the credentials)
    /// refuses nothing: the run goes on with its local work, but marks the offsite store
    /// unavailable for the rest of the run (``Home/offsiteDown``), so nothing is uploaded to it
    /// or deleted from it (``Home/writableStore(for:)``): copies stay pending, deletions
    /// overdue, until a run that could check it. A run that already found it unavailable (the
    /// expiry of a nightly whose backup did) does not ask again.
    ///
    /// - Throws: `clockWentBack`, `storeWrittenByAnotherCopy` (nothing changed); catalog errors.
    func refuseUnsafeWrite(now: Date) throws {
        try refuseClockGoneBack(now: now)
        try StoreHeadMarker.local(home).refuseIfDiverged()
        guard home.offsiteConfigured, home.offsiteDown.reason == nil else { return }
        let marker = StoreHeadMarker.offsite(home)
        let line: String?
        do {
            line = try marker.load()
        } catch {
            home.offsiteDown.set("\(error)")
            home.log.warning("store.offsite_head_unchecked", ["marker": marker.markerName, "error": "\(error)",
                                                               "result": "nothing goes offsite in this run; the next run retries"])
            return
        }
        try marker.refuse(line)
    }

    /// Records the home's ledger head in its local store, and in its offsite store when this run
    /// checked that store's marker and did not find the store unavailable since (``StoreHeadMarker``):
    /// deferred by every run that passed ``refuseUnsafeWrite(now:)``, so it runs whether the run
    /// succeeded or not. A run that could not reach the offsite store leaves its marker as it
    /// was: an earlier event of this ledger, which refuses nothing.
    func recordLedgerHead() {
        StoreHeadMarker.local(home).record()
        if home.offsiteConfigured && home.offsiteDown.reason == nil { StoreHeadMarker.offsite(home).record() }
    }

    /// Refuses a clock earlier than the last recorded event: a run under it would record its
    /// decisions (copies, expiries, an erasure, a rotation) before events they follow.
    ///
    /// - Throws: `clockWentBack` (call it before changing anything).
    func refuseClockGoneBack(now: Date) throws {
        if let last = try home.catalog.latestRecordedTime(), now < last {
            throw JobError.clockWentBack(now: now, last: last)
        }
    }

    /// Aborts the offsite multipart uploads under `archives/` begun more than a day ago by the
    /// store's own clock (never the local clock or `LETHE_NOW`: a simulation running years
    /// ahead must not abort an upload in flight), and records them in the ledger. A store that
    /// cannot be reached or built is logged and skipped (one found unavailable is not tried
    /// again by this run's uploads, which stay pending): the offsite copies say so themselves.
    private func abortAbandonedUploads(now: Date) throws {
        // A store this run found unavailable (its marker unread) is not tried again.
        guard home.offsiteConfigured, home.offsiteDown.reason == nil else { return }
        let aborted: [AbandonedWrite]
        do {
            aborted = try home.writableStore(for: .offsite).removeAbandoned(prefix: ObjectKey.archivePrefix, olderThan: Self.abandonedUploadAge)
        } catch {
            if let storeError = error as? ObjectStoreError, storeError.isTransient { home.offsiteDown.set("\(storeError)") }
            home.log.warning("offsite.uploads_unchecked", ["error": "\(error)"])
            return
        }
        guard !aborted.isEmpty else { return }
        try home.catalog.record(LedgerEvent(LedgerEvent.StoreUploadsAborted(
            location: .offsite, count: aborted.count, objectKeys: aborted.map(\.name),
            reason: "multipart uploads begun over a day ago by the store's clock and never completed: left by a run that died"), at: now))
        home.log.warning("offsite.uploads_aborted", ["count": String(aborted.count)])
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
