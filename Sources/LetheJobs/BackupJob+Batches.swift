import Foundation
import LetheCatalog
import LetheCore
import LetheKeys
import LetheStore
import LetheTar

/// Where one customer's backup stands once packed: staged for its batch, or already done
/// (failed, shredded).
enum Staging {
    case staged(StagedArchive)
    case done(CustomerOutcome)
}

/// One customer's archive written into the local store but not yet published nor recorded.
struct StagedArchive: @unchecked Sendable {
    /// Where the bytes are: staged in a local directory store, or (any other store) already
    /// stored durably by its `put`.
    enum Object {
        case staged(LocalDirectoryStore.StagedObject)
        case stored(StoredObject)

        /// The archive's size in bytes.
        var size: Int64 {
            switch self {
            case .staged(let object): return object.size
            case .stored(let object): return object.size
            }
        }
    }

    /// The customer's place in the run's list.
    let index: Int
    let customer: CustomerID
    let pseudonym: Pseudonym
    let archiveID: ArchiveID
    /// The base of a differential; nil for a full archive.
    let baseArchiveID: ArchiveID?
    let object: Object
    let report: PackReport?
}

/// Collects staged archives from the workers and hands them to `commit` in batches: of `size`
/// archives, or fewer once they hold `bytes` (large customers do not wait for 63 others to be
/// made durable). The worker whose archive fills a batch commits it while the others go on
/// packing; `flush` commits what is left. Commits run one at a time.
final class ArchiveBatches: @unchecked Sendable {
    private let size: Int
    private let bytes: Int64
    private let commit: ([StagedArchive]) -> Void
    private let queueLock = NSLock()
    private let commitLock = NSLock()
    private var pending: [StagedArchive] = []
    private var pendingBytes: Int64 = 0

    /// 64 archives, or `LETHE_TEST_BATCH_SIZE`: a test seam, for tests that need each archive
    /// recorded as soon as it is written (a shred racing one customer's archive while the
    /// others are already recorded). It changes nothing else.
    static var defaultSize: Int {
        ProcessInfo.processInfo.environment["LETHE_TEST_BATCH_SIZE"].flatMap { Int($0) } ?? 64
    }

    init(size: Int, bytes: Int64, commit: @escaping ([StagedArchive]) -> Void) {
        self.size = max(1, size)
        self.bytes = bytes
        self.commit = commit
    }

    /// Adds an archive; commits the batch if it is now full.
    func add(_ archive: StagedArchive) {
        let full = queueLock.withLock { () -> [StagedArchive]? in
            pending.append(archive)
            pendingBytes += archive.object.size
            guard pending.count >= size || pendingBytes >= bytes else { return nil }
            defer { pending.removeAll(keepingCapacity: true); pendingBytes = 0 }
            return pending
        }
        if let full { commitLock.withLock { commit(full) } }
    }

    /// Commits whatever is left (call once every worker is done).
    func flush() {
        commitLock.withLock {
            let rest = queueLock.withLock { () -> [StagedArchive] in
                defer { pending.removeAll(); pendingBytes = 0 }
                return pending
            }
            if !rest.isEmpty { commit(rest) }
        }
    }
}

extension BackupJob {
    /// Writes the object of `key` into the local store: staged (unpublished) in a local
    /// directory store, or put durably into any other store (tests inject those).
    func stage(_ key: ObjectKey, body: (any ByteSink) throws -> Void) throws -> StagedArchive.Object {
        if let local = home.localStore as? LocalDirectoryStore { return .staged(try local.stage(key, body: body)) }
        return .stored(try home.localStore.put(key, lockUntil: nil, body: body))
    }

    /// Publishes a batch of staged archives and records them: every archive's bytes and rename
    /// are synced (`LocalDirectoryStore.publish`: two syncs of the store's file system for the
    /// batch) before one catalog transaction records the batch's copies with their ledger
    /// events and, in a set other archives may be written against, their base indexes
    /// (invariants 7 and 12). A copy removed again (its row failed, its customer was shredded)
    /// takes its index with it: the catalog's trigger drops an index with its archive's last
    /// copy. A copy whose customer was shredded meanwhile is removed and its row marked
    /// shredded, as before.
    ///
    /// A run killed before the commit leaves temporary files (removed by the next run's
    /// `removeAbandoned`) or published archives its catalog never recorded, in a set left
    /// `running` (removed by the next run's `prepareRun`).
    ///
    /// - Returns: one outcome per archive, in order.
    func commit(_ batch: [StagedArchive], plan: ArchivePlan) -> [CustomerOutcome] {
        TestCrashPoint.reached("backup-batch-staged")
        var stored = [Result<StoredObject, any Error>](repeating: .failure(JobError.invalidRequest("not published")), count: batch.count)
        var staged: [(position: Int, object: LocalDirectoryStore.StagedObject)] = []
        for (position, archive) in batch.enumerated() {
            switch archive.object {
            case .stored(let object): stored[position] = .success(object)
            case .staged(let object): staged.append((position, object))
            }
        }
        if !staged.isEmpty, let local = home.localStore as? LocalDirectoryStore {
            do {
                for (entry, result) in zip(staged, try local.publish(staged.map(\.object))) {
                    stored[entry.position] = result.mapError { $0 }
                }
            } catch {
                for entry in staged { stored[entry.position] = .failure(error) }
            }
        }
        TestCrashPoint.reached("backup-batch-published")

        let now = home.clock.now()
        var entries: [(position: Int, entry: CopyEntry)] = []
        for (position, archive) in batch.enumerated() {
            guard case .success(let object) = stored[position] else { continue }
            let copy = CopyRecord(archiveID: archive.archiveID, setID: plan.set.id, pseudonym: archive.pseudonym,
                                  retentionClass: plan.set.retentionClass, location: .local, objectKey: object.key,
                                  created: plan.set.created, deleteBy: plan.deleteBy, state: .live, bytes: object.size,
                                  baseArchiveID: archive.baseArchiveID)
            let unreadable = archive.report?.unreadablePaths ?? []
            let event = LedgerEvent(LedgerEvent.CopyWritten(copy: .init(copy), bytes: object.size, dataKey: "fresh",
                                                            unreadableSkipped: unreadable.isEmpty ? nil : unreadable.count), at: now)
            entries.append((position, CopyEntry(copy: copy, event: event, baseIndex: baseIndex(of: archive, plan: plan))))
        }
        var recorded = [Result<CopyRecord, any Error>?](repeating: nil, count: batch.count)
        for (entry, result) in zip(entries, home.catalog.recordCopies(entries.map(\.entry))) {
            recorded[entry.position] = result
        }
        TestCrashPoint.reached("backup-batch-recorded")

        // Whether a shred committed while the batch was written: one key-store read for all.
        let tombstones = Result { try home.keys.tombstones(batch.map(\.customer)) }
        return batch.enumerated().map { position, archive in
            do {
                let object = try stored[position].get()
                guard let record = recorded[position] else { throw JobError.invalidRequest("not recorded") }
                let copy: CopyRecord
                do {
                    copy = try record.get()
                } catch {
                    // Published but not recorded: take it back, so no unrecorded archive stays.
                    try? home.localStore.delete(object.key, versionID: nil)
                    throw error
                }
                return try committed(archive, copy: copy, tombstone: tombstones.get()[position], plan: plan)
            } catch {
                return outcome(of: error, customer: archive.customer, pseudonym: archive.pseudonym, rows: plan.rows)
            }
        }
    }

    /// The outcome of an archive published and recorded; if its customer was shredded while it
    /// was written (`tombstone`, read after the batch was recorded), the copy is removed and its
    /// row kept as history, marked shredded.
    private func committed(_ archive: StagedArchive, copy: CopyRecord, tombstone: (shreddedAt: Date, request: String)?,
                           plan: ArchivePlan) throws -> CustomerOutcome {
        if let tombstone {
            // The shred committed while this copy was being published: the copy is already
            // unreadable (its customer key is gone); remove it and keep the row as history.
            try? home.localStore.delete(copy.objectKey, versionID: nil)
            try home.catalog.updateCopy(copy.id, state: .shredded, event: LedgerEvent(LedgerEvent.CopyDiscarded(
                copy: .init(pseudonym: archive.pseudonym, set: plan.set.id, location: .local, archive: archive.archiveID),
                reason: "the customer was shredded while this copy was being written"), at: home.clock.now()))
            throw KeyStoreError.customerShredded(on: tombstone.shreddedAt, request: tombstone.request)
        }
        let warnings = archive.report?.warnings ?? []
        for warning in warnings { home.log.warning("backup.skipped_entry", ["pseudonym": archive.pseudonym.rawValue, "reason": warning]) }
        home.log.detail("backup.customer.committed", ["pseudonym": archive.pseudonym.rawValue, "bytes": String(copy.bytes)])
        let unreadable = archive.report?.unreadablePaths ?? []
        return CustomerOutcome(pseudonym: archive.pseudonym, status: .committed, bytes: copy.bytes, entries: archive.report?.entries ?? 0,
                               message: nil, warnings: warnings,
                               unreadable: unreadable.isEmpty ? nil : UnreadablePaths(customer: archive.customer, paths: unreadable, failure: nil))
    }
}
