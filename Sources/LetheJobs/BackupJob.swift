import Foundation
import LetheCatalog
import LetheCore
import LetheCrypto
import LetheFormat
import LetheKeys
import LethePolicy
import LetheTar

/// How one customer fared in a backup run (pseudonyms only).
public struct CustomerOutcome: Codable, Sendable {
    /// What happened.
    public enum Status: String, Codable, Sendable {
        case committed
        case failed
        /// The customer was shredded; their folder is still in the source tree and was not backed up.
        case shredded
    }

    public var pseudonym: Pseudonym?
    public var status: Status
    public var bytes: Int64
    public var entries: Int
    public var message: String?
    public var warnings: [String]
    /// The path that failed this customer, or the paths left out (`--skip-unreadable`), with the
    /// customer's id: shown on the terminal only, never encoded (see `UnreadablePaths`).
    public var unreadable: UnreadablePaths? = nil

    enum CodingKeys: String, CodingKey { case pseudonym, status, bytes, entries, message, warnings }
}

/// What a backup run wrote.
public struct BackupOutcome: Codable, Sendable {
    public var set: SetID
    public var created: Date
    public var retentionClass: RetentionClass
    public var state: SetState
    public var customers: [CustomerOutcome]
    /// Offsite copies made (or left pending) by this run, earlier nights' pending ones included.
    public var offsite: [OffsiteOutcome]
    /// Names of the source root refused because they reach one folder (or a folder inside the
    /// root that is no customer's own): shown on the terminal only, never encoded (they are ids).
    public var aliases: [SourceAlias] = []
    /// What this run did to finish a shred or rotation that stopped half-way before it (nil:
    /// nothing was owed, or a running shred or rotation holds the "keys" lock and finishes it).
    public var interruptedShred: RotationOutcome?
    /// Set when the policy keeps offsite copies and the home has no offsite store: what is wrong
    /// and the two ways out (``LethePolicy/Policy/missingOffsiteStore(hasOffsiteStore:configurationFile:)``).
    public var offsiteNotConfigured: String?

    enum CodingKeys: String, CodingKey {
        case set, created, retentionClass = "class", state, customers, offsite, interruptedShred = "interrupted_shred"
        case offsiteNotConfigured = "offsite_not_configured"
    }

    /// Customers that were not committed (failed or shredded-but-present), plus offsite copies
    /// left pending, plus an interrupted shred this run could not finish, plus offsite copies the
    /// policy asks for and no offsite store makes.
    public var problems: Int {
        customers.filter { $0.status != .committed }.count + offsite.filter { $0.status == .pending }.count
            + (interruptedShred?.complete == false ? 1 : 0) + (offsiteNotConfigured == nil ? 0 : 1)
    }
}

/// Writes one set: every customer (or those named) as its own encrypted archive in the local store.
public struct BackupJob: Sendable {
    let home: Home
    /// Plaintext bytes per encrypted chunk.
    var chunkSize = 1 << 20
    /// Customers packed at once: twice the cores, so that reading a cold tree overlaps with
    /// compressing and encrypting (memory per worker is a few MiB, whatever the customer's size).
    var workers = 2 * ProcessInfo.processInfo.activeProcessorCount
    /// Archives made durable together and recorded in one catalog transaction (``ArchiveBatches``):
    /// at most this many, and no more once they hold `batchBytes`.
    var batchSize = BackupJob.defaultBatchSize
    var batchBytes: Int64 = 256 << 20
    /// 64 archives, or `LETHE_TEST_BATCH_SIZE`: a test seam, for tests that need each archive
    /// recorded as soon as it is written (a shred racing one customer's archive while the
    /// others are already recorded). It changes nothing else.
    static var defaultBatchSize: Int {
        ProcessInfo.processInfo.environment["LETHE_TEST_BATCH_SIZE"].flatMap { Int($0) } ?? 64
    }
    /// Leave out the files and folders that cannot be read instead of failing their customer:
    /// their paths go into the archive's own manifest, their count into the ledger's
    /// `copy.written` (`unreadable_skipped`), never a path (`--skip-unreadable`).
    public var skipUnreadable: Bool

    /// A backup of `home`, skipping unreadable paths when its configuration says so (`skip_unreadable`).
    public init(home: Home) {
        self.home = home
        self.skipUnreadable = home.configuration.skipUnreadable == true
    }

    /// Runs the backup under the home's run lock.
    ///
    /// - Parameter only: customers to back up (each once, however often named); nil backs up
    ///   every folder under the source root.
    /// First it finishes a shred or rotation that stopped half-way (``finishInterruptedShred(now:)``).
    ///
    /// - Throws: `busy`, `unknownCustomer` for a named customer with no folder, `invalidRequest`
    ///   for a named one that can never be a customer (a dot-name, `lost+found`), `clockWentBack`;
    ///   per-customer failures (aliased names included) do not throw: they are in the outcome and
    ///   the set is `partial`; nor does an interrupted shred this run could not finish (it is in
    ///   the outcome too).
    public func run(only: [CustomerID]? = nil, progress: Progress? = nil) throws -> BackupOutcome {
        let lock = try home.lock("run")
        defer { withExtendedLifetime(lock) {} }
        let now = home.clock.now()
        try Maintenance(home: home).prepareRun(now: now)
        defer { Maintenance(home: home).recordLedgerHead() }
        let interruptedShred = finishInterruptedShred(now: now)
        let policy = try home.policy
        let offsiteNotConfigured = policy.missingOffsiteStore(
            hasOffsiteStore: home.offsiteConfigured, configurationFile: home.url.appendingPathComponent(Home.configurationFile).path)
        if let offsiteNotConfigured { home.log.warning("offsite.not_configured", ["reason": offsiteNotConfigured]) }

        // A home with a database connects first: unreachable, the run fails before any set is recorded.
        let database = try openDatabase()
        let selection = try selectCustomers(only, listed: try listedCustomers(database))
        let customers = selection.customers
        let created = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let retentionClass = SetClassifier.classify(created: created,
                                                    latestEarlierSet: try home.catalog.latestSetCreated(before: created),
                                                    policy: policy)
        guard let deleteBy = policy.deleteBy(created: created, class: retentionClass, location: .local) else {
            throw JobError.invalidConfiguration("the policy keeps no local \(retentionClass.rawValue) copies; every set is written locally first, so the local tier must keep every class")
        }
        let setID = SetID.make(created: created)
        let set = SetRecord(id: setID, created: created, retentionClass: retentionClass, state: .running, policy: policy.sourceFile)
        try home.catalog.beginSet(set, event: LedgerEvent(LedgerEvent.SetStarted(set: setID, retentionClass: retentionClass,
                                                                            customers: customers.count + selection.refused.count), at: now))
        home.log.info("backup.started", ["set": setID.rawValue, "class": retentionClass.rawValue,
                                         "customers": String(customers.count + selection.refused.count)])
        let refused = try refuse(selection, set: setID, now: now)
        let expiryKey = try home.keys.expiryKeyCreatingIfNeeded(deleteBy: deleteBy)
        // New customers' keys in one commit, durable before any archive sealed with one is published.
        try home.keys.createMissingKeys(for: customers, now: now)

        let baseCandidates = BaseCandidateSlices(catalog: home.catalog, classes: ArchiveLevelPlanner.baseClasses(of: retentionClass))
        let plan = ArchivePlan(set: set, deleteBy: deleteBy, expiryKey: expiryKey, now: now, policy: policy,
                               findings: try home.catalog.copyFindings(),
                               customerKeys: CustomerKeySlices(store: home.keys, customers: customers, now: now,
                                                               alsoRead: baseCandidates.read),
                               baseCandidates: baseCandidates,
                               rows: database.map { RowsPlan(source: $0, rowsOnly: selection.rowsOnly) })
        let outcomes = Outcomes(count: customers.count)
        progress?.start(total: customers.count, unit: "customers")
        // A batch's commit in three steps (publish: sync; record: catalog; confirm: outcomes),
        // each on a thread of its own, beside the workers.
        let batches = ArchiveBatches(size: batchSize, bytes: batchBytes, publish: { publish($0, plan: plan) },
                                     record: record) { recorded in
            for batch in recorded {
                for (staged, outcome) in zip(batch.archives, confirm(batch, plan: plan)) {
                    outcomes.set(staged.index, outcome)
                    progress?.advance(bytes: outcome.bytes)
                }
            }
        }
        WorkerPool.run(count: customers.count, width: workers) { index in
            switch backUp(customers[index], index: index, plan: plan) {
            case .staged(let staged): batches.add(staged)
            case .done(let outcome):
                outcomes.set(index, outcome)
                progress?.advance(bytes: outcome.bytes)
            }
        }
        batches.flush()
        progress?.finish()

        let results = outcomes.all + refused
        // Offsite after the local set is safe: earlier nights' pending copies first, then this set's.
        let offsite = OffsiteCopier(home: home)
        let offsiteOutcomes = try offsite.catchUp(now: now)
            + (try offsite.copy(try home.catalog.copies(set: setID, location: .local, states: [.live]), now: now))
        let committed = results.filter { $0.status == .committed }.count
        let state: SetState = committed == results.count ? .complete : (committed == 0 && !results.isEmpty ? .failed : .partial)
        try home.catalog.finishSet(setID, state: state, customers: committed, failures: results.count - committed,
                                   event: LedgerEvent(LedgerEvent.SetFinished(set: setID, state: state, committed: committed,
                                                                              failed: results.count - committed), at: home.clock.now()))
        home.log.info("backup.finished", ["set": setID.rawValue, "state": state.rawValue, "committed": String(committed),
                                          "failed": String(results.count - committed)])
        return BackupOutcome(set: setID, created: created, retentionClass: retentionClass, state: state, customers: results,
                             offsite: offsiteOutcomes, aliases: selection.aliases, interruptedShred: interruptedShred,
                             offsiteNotConfigured: offsiteNotConfigured)
    }

    /// Backs up one customer's archive up to its publication: pack and encrypt it into the
    /// local store, staged (``ArchiveBatches`` publishes and records it with others). Never
    /// throws: failures become outcomes.
    func backUp(_ customer: CustomerID, index: Int, plan: ArchivePlan) -> Staging {
        var pseudonym: Pseudonym?
        do {
            let keys = try plan.customerKeys.keys(at: index)
            pseudonym = keys.pseudonym
            let archiveID = ArchiveID.random()
            let (level, base) = try level(of: keys.pseudonym, plan: plan)
            let baseArchiveID = base.map { ArchiveID($0.archive) }
            let header = ArchiveHeader(pseudonym: keys.pseudonym, setID: plan.set.id, archiveID: archiveID, created: plan.set.created,
                                       deleteBy: plan.deleteBy, customerKeyID: keys.key.id, expiryKeyID: plan.expiryKey.id,
                                       baseArchiveID: baseArchiveID, chunkSize: chunkSize)
            let key = ObjectKey.archive(pseudonym: keys.pseudonym, set: plan.set.id, archive: archiveID)
            var report: PackReport?
            let stored = try stage(key) { sink in
                let writer = try ArchiveWriter(header: header, customerKey: keys.key, expiryKey: plan.expiryKey, output: sink)
                report = try pack(customer, rows: plan.rows, against: base, into: writer)
                try writer.finish()
            }
            return .staged(StagedArchive(index: index, customer: customer, pseudonym: keys.pseudonym, archiveID: archiveID,
                                         baseArchiveID: baseArchiveID, levelReason: level.reason, object: stored, report: report))
        } catch {
            return .done(outcome(of: error, customer: customer, pseudonym: pseudonym, rows: plan.rows))
        }
    }

    /// The outcome of a customer whose backup failed with `error`: shredded, or failed.
    func outcome(of error: any Error, customer: CustomerID, pseudonym: Pseudonym?, rows: RowsPlan?) -> CustomerOutcome {
        if case KeyStoreError.customerShredded(let date, let request) = error {
            let message = shreddedMessage(customer, on: date, request: request, rows: rows)
            home.log.warning("backup.customer.shredded", ["pseudonym": pseudonym?.rawValue ?? "-"])
            return CustomerOutcome(pseudonym: pseudonym, status: .shredded, bytes: 0, entries: 0, message: message, warnings: [])
        }
        home.log.error("backup.customer.failed", ["pseudonym": pseudonym?.rawValue ?? "-", "error": "\(error)"])
        return CustomerOutcome(pseudonym: pseudonym, status: .failed, bytes: 0, entries: 0, message: "\(error)", warnings: [],
                               unreadable: Self.failedPath(error).map { UnreadablePaths(customer: customer, paths: [$0], failure: "\(error)") })
    }

    /// The path inside the customer's folder that `error` is about, if the packer named one.
    static func failedPath(_ error: any Error) -> [UInt8]? {
        switch error as? TarError {
        case .unreadable(_, let path)?, .fileChanged(let path)?: return path
        default: return nil
        }
    }
}

/// What every archive of one set shares: the set, its delete-by and expiry key, and the run's
/// time (new customers' keys are dated by it).
struct ArchivePlan: @unchecked Sendable {
    let set: SetRecord
    let deleteBy: Date
    let expiryKey: SecretKey
    let now: Date
    let policy: Policy
    /// What `verify` found wrong with copies, by copy id: such copies are no base.
    let findings: [Int64: CopyFinding]
    /// The customers' keys, read a slice at a time (by the customer's index in the run).
    let customerKeys: CustomerKeySlices
    /// The customers' base candidates, read a slice at a time (the slices of `customerKeys`).
    let baseCandidates: BaseCandidateSlices
    /// The database source and who has rows only, for a home with a database.
    let rows: BackupJob.RowsPlan?
}

/// Per-customer results filled in by parallel workers.
final class Outcomes: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [CustomerOutcome?]

    init(count: Int) { results = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ outcome: CustomerOutcome) { lock.withLock { results[index] = outcome } }
    var all: [CustomerOutcome] { lock.withLock { results.compactMap { $0 } } }
}
