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
    /// Why the archive is full or differential (``LethePolicy/ArchiveLevel/reason``), for the log.
    let levelReason: String
    let object: Object
    let report: PackReport?
}

/// A batch of archives published (or failed: shredded meanwhile, not made durable), with the
/// catalog entries of those stored, to record.
struct PublishedBatch: @unchecked Sendable {
    let archives: [StagedArchive]
    /// Per archive, in order: where it is stored, or why it is not.
    let stored: [Result<StoredObject, any Error>]
    /// The copy row and ledger event of each archive stored, with its position in `archives`.
    let entries: [(position: Int, entry: CopyEntry)]
}

/// A batch once recorded: per archive, in order, its copy row (nil: never stored, so never recorded).
struct RecordedBatch: @unchecked Sendable {
    let archives: [StagedArchive]
    let stored: [Result<StoredObject, any Error>]
    let recorded: [Result<CopyRecord, any Error>?]
}

/// Collects staged archives from the workers and hands them on in batches: a batch is `size`
/// archives, or fewer once they hold `bytes` (large customers do not wait for 63 others to be
/// made durable); `flush` hands on what is left.
///
/// Each batch goes through three steps, each on a thread of its own and in the order archives
/// were added: `publish` (make them durable and visible), `record` (the catalog's transaction,
/// for every batch published while it recorded the last ones, at most ``togetherAtMost``: group
/// commit) and `confirm` (what follows the record). So the steps of consecutive batches
/// overlap, and the workers go on packing meanwhile: they wait only when `backlog` archives are
/// staged and not yet taken (a bounded queue: each staged archive is a temporary file, open
/// until published).
final class ArchiveBatches<Published, Recorded>: @unchecked Sendable {
    private let size: Int
    private let bytes: Int64
    private let backlog: Int
    private let publish: ([StagedArchive]) -> Published
    private let record: ([Published]) -> [Recorded]
    private let confirm: ([Recorded]) -> Void
    private let condition = NSCondition()
    private var pending: [StagedArchive] = []
    private var flushing = false
    private var committer: DispatchSemaphore?

    /// Batches a step takes together at most (the record's group commit).
    private static var togetherAtMost: Int { 4 }

    init(size: Int, bytes: Int64, publish: @escaping ([StagedArchive]) -> Published,
         record: @escaping ([Published]) -> [Recorded], confirm: @escaping ([Recorded]) -> Void) {
        self.size = max(1, size)
        self.bytes = bytes
        self.backlog = 2 * self.size
        self.publish = publish
        self.record = record
        self.confirm = confirm
    }

    /// Adds an archive for the committer; waits while `backlog` archives are already waiting.
    func add(_ archive: StagedArchive) {
        condition.withLock {
            while pending.count >= backlog { condition.wait() }
            pending.append(archive)
            if committer == nil { committer = startCommitter() }
            condition.broadcast()
        }
    }

    /// Hands on whatever is left and returns once every archive added is confirmed (call once
    /// every worker is done).
    func flush() {
        let finished = condition.withLock { () -> DispatchSemaphore? in
            flushing = true
            condition.broadcast()
            return committer
        }
        finished?.wait()
        condition.withLock {
            committer = nil
            flushing = false
        }
    }

    /// How many archives at the front of `pending` make a full batch (nil: not yet full).
    private var fullBatch: Int? {
        var held: Int64 = 0
        for (position, archive) in pending.prefix(size).enumerated() {
            held += archive.object.size
            if position + 1 == size || held >= bytes { return position + 1 }
        }
        return nil
    }

    /// Starts the thread that publishes batch after batch and hands each on to the recording
    /// and confirming threads, until a flush leaves nothing; the semaphore is signalled once all
    /// three end.
    private func startCommitter() -> DispatchSemaphore {
        let finished = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            let confirmer = SerialStage(capacity: Self.togetherAtMost, body: confirm)
            let recorder = SerialStage(capacity: Self.togetherAtMost) { [self] published in
                for recorded in record(published) { confirmer.submit(recorded) }
            }
            while let batch = nextBatch() { recorder.submit(publish(batch)) }
            recorder.finish()
            confirmer.finish()
            finished.signal()
        }
        thread.stackSize = 4 << 20
        thread.start()
        return finished
    }

    /// The next batch, once one is full or a flush asks for the rest; nil once flushed empty.
    private func nextBatch() -> [StagedArchive]? {
        condition.withLock {
            while fullBatch == nil && !flushing { condition.wait() }
            let count = fullBatch ?? pending.count
            guard count > 0 else { return nil }
            defer {
                pending.removeFirst(count)
                condition.broadcast()
            }
            return Array(pending.prefix(count))
        }
    }
}

/// Runs `body` on a thread of its own for the items submitted, in order: for every item
/// waiting when it is free (at most `capacity` of them), so items that arrive while it runs
/// are taken together. `submit` waits while `capacity` items are waiting.
final class SerialStage<Item>: @unchecked Sendable {
    private let capacity: Int
    private let condition = NSCondition()
    private var items: [Item] = []
    private var closed = false
    private let ended = DispatchSemaphore(value: 0)
    private let body: ([Item]) -> Void

    init(capacity: Int, body: @escaping ([Item]) -> Void) {
        self.capacity = max(1, capacity)
        self.body = body
        let thread = Thread { [self] in
            while let waiting = next() { self.body(waiting) }
            ended.signal()
        }
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// Queues `item`, waiting first while `capacity` items wait.
    func submit(_ item: Item) {
        condition.withLock {
            while items.count >= capacity { condition.wait() }
            items.append(item)
            condition.broadcast()
        }
    }

    /// Returns once every item submitted has been run; nothing may be submitted after.
    func finish() {
        condition.withLock {
            closed = true
            condition.broadcast()
        }
        ended.wait()
    }

    /// Every item waiting, once there is one; nil once finished with none left.
    private func next() -> [Item]? {
        condition.withLock {
            while items.isEmpty && !closed { condition.wait() }
            guard !items.isEmpty else { return nil }
            defer {
                items.removeAll(keepingCapacity: true)
                condition.broadcast()
            }
            return items
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

    /// Publishes a batch of staged archives, the first step of a batch's commit (then
    /// ``record(_:)``, then ``confirm(_:plan:)``), and makes its catalog entries. A shred that
    /// ran while they were packed wins: one key-store read for the batch finds the customers
    /// shredded meanwhile, whose archives are removed unpublished (``discardShredded(_:stored:)``).
    /// Every other archive's bytes and rename are synced (`LocalDirectoryStore.publish`: two
    /// syncs of the store's file system for the batch) before `record` records anything of the
    /// batch (invariants 7 and 12).
    ///
    /// A run killed before the batch is recorded leaves temporary files (removed by the next
    /// run's `removeAbandoned`) or published archives its catalog never recorded, in a set left
    /// `running` (removed by the next run's `prepareRun`).
    func publish(_ batch: [StagedArchive], plan: ArchivePlan) -> PublishedBatch {
        TestCrashPoint.reached("backup-batch-staged")
        var stored = [Result<StoredObject, any Error>](repeating: .failure(JobError.invalidRequest("not published")), count: batch.count)
        var staged: [(position: Int, object: LocalDirectoryStore.StagedObject)] = []
        let shredded = discardShredded(batch, stored: &stored)
        for (position, archive) in batch.enumerated() where !shredded.contains(position) {
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
        return PublishedBatch(archives: batch, stored: stored, entries: entries)
    }

    /// Records published batches, the second step of their commit: one catalog transaction
    /// records their copies with their ledger events and, in a set other archives may be
    /// written against, their base indexes. A copy removed again (its row failed, its customer
    /// was shredded) takes its index with it: the catalog's trigger drops an index with its
    /// archive's last copy.
    func record(_ published: [PublishedBatch]) -> [RecordedBatch] {
        let entries = published.flatMap { $0.entries.map(\.entry) }
        var results = home.catalog.recordCopies(entries)[...]
        TestCrashPoint.reached("backup-batch-recorded")
        return published.map { batch in
            var recorded = [Result<CopyRecord, any Error>?](repeating: nil, count: batch.archives.count)
            for entry in batch.entries { recorded[entry.position] = results.popFirst() }
            return RecordedBatch(archives: batch.archives, stored: batch.stored, recorded: recorded)
        }
    }

    /// The outcomes of a recorded batch, the last step of its commit. A copy whose customer was
    /// shredded meanwhile (one key-store read for the batch, after it was recorded) is removed and
    /// its row marked shredded; a copy published and not recorded is removed.
    ///
    /// - Returns: one outcome per archive, in order.
    func confirm(_ batch: RecordedBatch, plan: ArchivePlan) -> [CustomerOutcome] {
        // Whether a shred committed while the batch was written: one key-store read for all.
        let tombstones = Result { try home.keys.tombstones(batch.archives.map(\.customer)) }
        return batch.archives.enumerated().map { position, archive in
            do {
                let object = try batch.stored[position].get()
                guard let record = batch.recorded[position] else { throw JobError.invalidRequest("not recorded") }
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

    /// Removes, unpublished, the archives of the batch whose customers were shredded while they
    /// were packed (one key-store read for the batch), and fails them in `stored` with that
    /// customer's `customerShredded`; if the read itself fails, every archive of the batch is
    /// removed and failed with its error. Returns the positions removed.
    private func discardShredded(_ batch: [StagedArchive], stored: inout [Result<StoredObject, any Error>]) -> Set<Int> {
        let tombstones: [(shreddedAt: Date, request: String)?]
        do {
            tombstones = try home.keys.tombstones(batch.map(\.customer))
        } catch {
            tombstones = []
            for position in batch.indices { stored[position] = .failure(error) }
        }
        var removed: Set<Int> = []
        for (position, archive) in batch.enumerated() {
            if position < tombstones.count {
                guard let tombstone = tombstones[position] else { continue }
                stored[position] = .failure(KeyStoreError.customerShredded(on: tombstone.shreddedAt, request: tombstone.request))
            }
            switch archive.object {
            case .staged(let object): (home.localStore as? LocalDirectoryStore)?.discard(object)
            case .stored(let object): try? home.localStore.delete(object.key, versionID: nil)
            }
            removed.insert(position)
        }
        return removed
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
        home.log.detail("backup.customer.committed", ["pseudonym": archive.pseudonym.rawValue, "bytes": String(copy.bytes),
                                                      "level": archive.baseArchiveID == nil ? "full" : "differential",
                                                      "reason": archive.levelReason])
        let unreadable = archive.report?.unreadablePaths ?? []
        return CustomerOutcome(pseudonym: archive.pseudonym, status: .committed, bytes: copy.bytes, entries: archive.report?.entries ?? 0,
                               message: nil, warnings: warnings,
                               unreadable: unreadable.isEmpty ? nil : UnreadablePaths(customer: archive.customer, paths: unreadable, failure: nil))
    }
}
