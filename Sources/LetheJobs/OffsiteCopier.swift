import Foundation
import LetheCatalog
import LetheCore
import LetheCrypto
import LetheFormat
import LetheKeys
import LethePolicy

/// How one offsite copy fared.
public struct OffsiteOutcome: Codable, Sendable {
    public enum Status: String, Codable, Sendable {
        /// Stored, verified and recorded live.
        case copied
        /// Recorded pending: the store refused or was down; the next run catches up.
        case pending
        /// A pending copy whose delete-by passed before it could be uploaded: never uploaded.
        case abandoned
        /// The customer was shredded before the copy was planned (nothing uploaded) or while it
        /// was being uploaded: never recorded live; the upload was deleted, or, where the store
        /// holds it locked, it stays (unreadable).
        case discarded
    }

    public var pseudonym: Pseudonym
    public var set: SetID
    public var status: Status
    public var message: String?
}

/// Makes the offsite copies of local copies: a new header carrying the offsite delete-by and
/// the data key re-wrapped for it; the encrypted body is shared, byte for byte.
///
/// Order: the copy is recorded `pending` first, then uploaded (locked until its delete-by when
/// the policy asks), verified (size), and marked live. A run that dies in between leaves a
/// pending row, which the next run completes: nothing lost, nothing duplicated.
///
/// Erasure wins: marking the copy live is conditional on its row still being pending. A shred
/// that lands while the upload is in flight marks the row shredded, the condition fails, and
/// the copier deletes what it just uploaded (a locked object stays, unreadable: its customer key
/// is destroyed) and records that; the copy is never recorded or reported live.
///
/// Once an upload (or the run's preparation) finds the store unavailable (its own retries
/// spent), the copier attempts no further upload in that run: each would spend the same retries
/// and time-outs (minutes per copy against an unreachable endpoint, hours over a set), holding
/// the run lock. The rest stay pending and the next run catches up. The flag lives in the
/// `Home`, which each run opens afresh.
struct OffsiteCopier {
    let home: Home
    /// Set by the first request that finds the store unavailable in this run.
    var storeDown: StoreDownFlag { home.offsiteDown }

    /// Plans and uploads the offsite copies of a set's committed local copies.
    func copy(_ localCopies: [CopyRecord], now: Date) throws -> [OffsiteOutcome] {
        guard home.copiesOffsite else { return [] }
        let policy = try home.policy
        return localCopies.compactMap { local -> OffsiteOutcome? in
            guard let deleteBy = policy.deleteBy(created: local.created, class: local.retentionClass, location: .offsite) else {
                return nil
            }
            var pending = local
            pending.id = 0
            pending.location = .offsite
            pending.deleteBy = deleteBy
            pending.state = .pending
            pending.bytes = 0
            pending.versionID = nil
            do {
                guard let planned = try home.catalog.planCopy(pending, event: LedgerEvent(LedgerEvent.CopyPlanned(copy: .init(pending)), at: now)) else {
                    return OffsiteOutcome(pseudonym: local.pseudonym, set: local.setID, status: .discarded,
                                          message: "the customer was shredded before this offsite copy was planned: nothing was uploaded")
                }
                pending = planned
            } catch {
                return OffsiteOutcome(pseudonym: local.pseudonym, set: local.setID, status: .pending, message: "\(error)")
            }
            return upload(pending, from: local, now: now)
        }
    }

    /// Uploads every pending offsite copy still due (a store that was down on an earlier night).
    func catchUp(now: Date) throws -> [OffsiteOutcome] {
        guard home.copiesOffsite else { return [] }
        let pending = try home.catalog.copies(location: .offsite, states: [.pending])
        guard !pending.isEmpty else { return [] }
        let locals = try home.catalog.copies(location: .local, states: [.live])
        let localByArchive = Dictionary(locals.map { ($0.archiveID, $0) }, uniquingKeysWith: { first, _ in first })
        return pending.map { copy in
            guard copy.deleteBy > now, let local = localByArchive[copy.archiveID], local.deleteBy > now else {
                return abandon(copy, now: now)
            }
            return upload(copy, from: local, now: now)
        }
    }

    /// Gives up a pending copy whose delete-by or local source passed before it could be
    /// uploaded: whatever an interrupted upload left at its key is deleted (every version, by
    /// version id), then its row is closed (kept as history). While something stored there is
    /// locked (or the store cannot be reached), the copy stays pending and says why.
    func abandon(_ copy: CopyRecord, now: Date) -> OffsiteOutcome {
        let message = "its delete-by or its local source passed before it could be uploaded: it never will be"
        do {
            let stored = try StoredCopyRemoval(store: home.writableStore(for: .offsite), location: .offsite).removeEveryVersion(at: copy.objectKey)
            try home.catalog.updateCopy(copy.id, state: .deleted, event: LedgerEvent(LedgerEvent.CopyCancelled(
                copy: .init(copy), result: stored ? "what an interrupted upload left at its key was deleted and confirmed gone" : "nothing was stored",
                reason: message), at: now))
        } catch {
            try? home.catalog.record(LedgerEvent(LedgerEvent.CopyCancelFailed(copy: .init(copy), error: "\(error)"), at: now))
            home.log.warning("offsite.cancel_failed", ["pseudonym": copy.pseudonym.rawValue, "set": copy.setID.rawValue, "error": "\(error)"])
            return OffsiteOutcome(pseudonym: copy.pseudonym, set: copy.setID, status: .pending,
                                  message: "\(message), but it stays pending: what is stored at its key could not be deleted (\(error)); the next run tries again")
        }
        return OffsiteOutcome(pseudonym: copy.pseudonym, set: copy.setID, status: .abandoned, message: message)
    }

    /// Uploads one pending copy from its local copy and marks it live; leaves it pending on failure.
    func upload(_ pending: CopyRecord, from local: CopyRecord, now: Date) -> OffsiteOutcome {
        if let reason = storeDown.reason {
            try? home.catalog.record(LedgerEvent(LedgerEvent.CopyUploadFailed(
                copy: .init(pending), error: "not attempted: the offsite store was unavailable earlier in this run (\(reason))"), at: now))
            return OffsiteOutcome(pseudonym: pending.pseudonym, set: pending.setID, status: .pending,
                                  message: "offsite copy left pending: the offsite store was unavailable earlier in this run (\(reason)); the next run retries it")
        }
        if let base = pending.baseArchiveID, !baseIsLiveOffsite(base, of: pending) {
            // The planner chose the base only if it lived offsite long enough; never leave a
            // differential offsite that its base does not outlive there (invariant 15), nor one
            // whose base copy there `verify` found missing or damaged (it could not be read).
            try? home.catalog.record(LedgerEvent(LedgerEvent.CopyUploadFailed(
                copy: .init(pending), error: "not attempted: its base archive \(base) has no live offsite copy that outlives it and that verify did not find wrong"), at: now))
            return OffsiteOutcome(pseudonym: pending.pseudonym, set: pending.setID, status: .pending,
                                  message: "offsite copy left pending: this differential's base archive \(base) has no live offsite copy that outlives it and that verify did not find wrong; the next run retries it")
        }
        do {
            let store = try home.writableStore(for: .offsite)
            let lockUntil = try home.policy.tiers[.offsite]?.objectLock == nil ? nil : pending.deleteBy
            let stored: StoredObject
            let existing = try store.head(pending.objectKey)
            if let existing, existing.size == local.bytes, readsBackAuthentic(pending, now: now) {
                // Uploaded by a run that died (or lost the store's answer) before recording it:
                // adopt it, now that it read back whole and authentic.
                stored = existing
            } else {
                // Something else at the key (an unreadable leftover): remove every version of it
                // rather than stack a new version on top; a locked one keeps the copy pending.
                if existing != nil { try StoredCopyRemoval(store: store, location: .offsite).removeEveryVersion(at: pending.objectKey) }
                let customerKey = try home.keys.customerKey(for: local.pseudonym)
                let localExpiry = try home.keys.expiryKey(deleteBy: local.deleteBy)
                let offsiteExpiry = try home.keys.expiryKeyCreatingIfNeeded(deleteBy: pending.deleteBy)
                stored = try store.put(pending.objectKey, lockUntil: lockUntil) { sink in
                    try home.localStore.get(local.objectKey) { source in
                        try ArchiveCopier.rewrap(from: source, customerKey: customerKey, sourceExpiryKey: localExpiry,
                                                 deleteBy: pending.deleteBy, expiryKey: offsiteExpiry, output: sink)
                    }
                }
            }
            guard stored.size == local.bytes else {
                throw ObjectStoreError.checksumMismatch(pending.objectKey)
            }
            let recorded = try home.catalog.updateCopy(pending.id, from: .pending, state: .live, bytes: stored.size,
                                                       versionID: stored.versionID, lockedUntil: stored.lockedUntil ?? lockUntil,
                                                       event: LedgerEvent(LedgerEvent.CopyWritten(
                                                           copy: .init(pending), bytes: stored.size, version: stored.versionID ?? "-",
                                                           lockedUntil: (stored.lockedUntil ?? lockUntil).map(Timestamp.iso) ?? "-"), at: now))
            guard recorded else { return discard(pending, stored: stored, now: now) }
            home.log.detail("offsite.copied", ["pseudonym": pending.pseudonym.rawValue, "set": pending.setID.rawValue])
            return OffsiteOutcome(pseudonym: pending.pseudonym, set: pending.setID, status: .copied, message: nil)
        } catch {
            if let storeError = error as? ObjectStoreError, storeError.isTransient { storeDown.set("\(storeError)") }
            try? home.catalog.record(LedgerEvent(LedgerEvent.CopyUploadFailed(copy: .init(pending), error: "\(error)"), at: now))
            home.log.warning("offsite.pending", ["pseudonym": pending.pseudonym.rawValue, "set": pending.setID.rawValue,
                                                 "error": "\(error)"])
            return OffsiteOutcome(pseudonym: pending.pseudonym, set: pending.setID, status: .pending,
                                  message: "offsite copy left pending (\(error)); the next run retries it")
        }
    }

    /// Handles an upload whose row left `pending` while it was in flight: only a shred changes a
    /// pending row while this run holds the run lock, so the customer key the upload was sealed
    /// for is destroyed. What is stored at the key is deleted (every version, confirmed gone);
    /// a locked object, or one the store will not delete now, stays: unreadable, and removed
    /// when its delete-by passes. The ledger records which (`copy.discarded`); the row keeps the
    /// state the shred gave it.
    func discard(_ copy: CopyRecord, stored: StoredObject, now: Date) -> OffsiteOutcome {
        let result: String
        do {
            try StoredCopyRemoval(store: home.writableStore(for: .offsite), location: .offsite).removeEveryVersion(at: copy.objectKey)
            result = "the upload was deleted and confirmed gone"
        } catch ObjectStoreError.objectLocked(_, let until) {
            result = "the upload is locked until \(until.map(Timestamp.iso) ?? "its lock ends") and stays, unreadable: its customer key is destroyed"
        } catch {
            result = "the upload could not be deleted (\(error)) and stays, unreadable: its customer key is destroyed"
        }
        let state = (try? home.catalog.copies(pseudonym: copy.pseudonym, set: copy.setID, location: .offsite))?
            .first { $0.id == copy.id }?.state.rawValue ?? "unknown"
        try? home.catalog.record(LedgerEvent(LedgerEvent.CopyDiscarded(
            copy: .init(copy), reason: "the copy's row left pending (now \(state)) while it was being uploaded: the customer was shredded",
            result: result, version: stored.versionID ?? "-"), at: now))
        home.log.warning("offsite.discarded", ["pseudonym": copy.pseudonym.rawValue, "set": copy.setID.rawValue, "result": result])
        return OffsiteOutcome(pseudonym: copy.pseudonym, set: copy.setID, status: .discarded,
                              message: "the customer was shredded while this offsite copy was being uploaded: \(result)")
    }

    /// Reads an object found at a pending copy's key back through authentication (header
    /// against the catalog row, every chunk, the final tag). A rare path (a run that died
    /// mid-upload), so reading the whole object is worth it: nothing is adopted unread.
    func readsBackAuthentic(_ pending: CopyRecord, now: Date) -> Bool {
        do {
            try CopyReader(home: home).read(pending) { _ in }
            return true
        } catch {
            try? home.catalog.record(LedgerEvent(LedgerEvent.CopyAdoptionRefused(copy: .init(pending), error: "\(error)"), at: now))
            home.log.warning("offsite.adoption_refused", ["pseudonym": pending.pseudonym.rawValue, "set": pending.setID.rawValue,
                                                          "error": "\(error)"])
            return false
        }
    }
}

extension OffsiteCopier {
    /// Whether archive `base` has a live offsite copy whose delete-by is not before `copy`'s and
    /// that no `verify` found wrong (missing, damaged, …) since it last read whole: the same
    /// test the level planner makes of a base (`BackupJob+Level`).
    func baseIsLiveOffsite(_ base: ArchiveID, of copy: CopyRecord) -> Bool {
        let copies = (try? home.catalog.copies(pseudonym: copy.pseudonym, location: .offsite, states: [.live])) ?? []
        guard let found = copies.first(where: { $0.archiveID == base && $0.deleteBy >= copy.deleteBy }) else { return false }
        guard let findings = try? home.catalog.copyFindings() else { return false }
        return findings[found.id] == nil
    }
}

/// Whether the offsite store was found unavailable during this run, and why.
final class StoreDownFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var why: String?

    /// The first unavailability seen, or nil.
    var reason: String? { lock.withLock { why } }

    /// Records the store as unavailable (keeps the first reason).
    func set(_ reason: String) { lock.withLock { if why == nil { why = reason } } }
}
