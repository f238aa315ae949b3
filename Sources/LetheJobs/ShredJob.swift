import Foundation
import LetheCatalog
import LetheCore
import LetheKeys
#if canImport(Glibc)
import Glibc
#endif

/// What `lethe shred` did: the receipt for the erasure request (pseudonym only, never the id).
public struct ShredReceipt: Codable, Sendable {
    /// What this run found.
    public enum Status: String, Codable, Sendable {
        /// This run destroyed the customer key.
        case shredded
        /// The customer was shredded before; this run destroyed nothing new for them.
        case alreadyShredded = "already_shredded"
        /// The customer was never backed up (`--not-yet-backed-up`): nothing stored, nothing
        /// destroyed; this run recorded a tombstone, so every future backup refuses them.
        case notYetBackedUp = "not_yet_backed_up"
    }

    public var status: Status
    /// True when every step is done: the key is gone, the copies are recorded, and every stale
    /// copy of the key store is inert (the old KEK is destroyed in every key directory).
    public var complete: Bool
    /// The customer's pseudonym (nil for an earlier, fully recorded shred: it is forgotten).
    public var pseudonym: String?
    /// The erasure request reference (the earlier one for an earlier shred).
    public var request: String
    /// When the customer key was destroyed.
    public var shreddedAt: String
    /// The destroyed customer key's id.
    public var destroyedKey: String?
    /// Copies made unreadable by this run, per location, with their delete-by dates.
    public var unreadable: [UnreadableCopies]
    /// The KEK rotation this run did, if any.
    public var rotation: RotationSummary?
    /// Pseudonyms of earlier shreds that had stopped half-way and that this run recorded.
    public var finishedEarlierShreds: [String]
    /// Why the shred is not complete, and what to do (nil when complete).
    public var incomplete: String?
    /// Epochs, older than the current one, whose KEK was printed raw (`keys escrow --raw`): each
    /// printout, with any old copy of the key store, still opens what was shredded since.
    /// Outstanding: destroy them.
    public var outstandingRawEscrows: [Int] = []

    /// True when this run destroyed nothing new for this customer.
    var alreadyDone: Bool { status != .shredded }

    enum CodingKeys: String, CodingKey {
        case status, complete, pseudonym, request, shreddedAt = "shredded_at", destroyedKey = "destroyed_key"
        case unreadable, rotation, finishedEarlierShreds = "finished_earlier_shreds", incomplete
        case outstandingRawEscrows = "outstanding_raw_escrows"
    }
}

/// Crypto-shreds one customer: destroys their customer key, records every copy of theirs as
/// shredded, and rotates the KEK so that no stale copy of the key store can bring it back.
///
/// Order (each step durable before the next):
/// 1. record any earlier shred that stopped before its catalog step;
/// 2. tombstone the customer and delete their key (a running backup of them now publishes nothing);
/// 3. mark their copies shredded in the catalog, with the ledger event (pseudonym, request,
///    time, destroyed key id, unreadable copies per location and delete-by date);
/// 4. rotate the KEK (new epoch in every key directory, every key re-wrapped, old epochs
///    destroyed everywhere) and record the epoch change.
/// A run that stops anywhere is finished by the next `shred` (of anyone), `keys rotate`,
/// `nightly` or `backup`; until then `report` flags it.
///
/// A customer never backed up is erased only on purpose (`notYetBackedUp`): a tombstone with
/// nothing to destroy, and a `customer.erased_before_backup` ledger event (request and date,
/// no pseudonym: they never had one). Without the flag an unknown id is not found, so a typo
/// does not silently tombstone someone else.
public struct ShredJob: Sendable {
    let home: Home

    public init(home: Home) { self.home = home }

    /// Shreds `customer` for erasure request `request`: `run(customers:)` with one customer.
    public func run(customer: CustomerID, request: String, notYetBackedUp: Bool = false) throws -> ShredReceipt {
        try run(customers: [customer], request: request, notYetBackedUp: notYetBackedUp)[0]
    }

    /// Shreds every customer in `customers` for erasure request `request`, under the home's
    /// "keys" lock (a backup holding the "run" lock does not block it), with one KEK rotation
    /// for the whole batch.
    ///
    /// Every id is checked before anything is destroyed: one never backed up refuses the whole
    /// batch (unless `notYetBackedUp`), so a typo in a list erases nobody. An id listed twice is
    /// shredded once.
    ///
    /// - Parameters:
    ///   - notYetBackedUp: when a customer was never backed up, record a tombstone (status
    ///     `notYetBackedUp`) so that every future backup refuses them; a customer who was backed
    ///     up is shredded as usual.
    /// - Returns: one receipt per distinct customer, in order, sharing the rotation; `complete`
    ///   is false when a key directory could not be reached (the old KEK survives there until
    ///   the next `shred` or `keys rotate` finishes it).
    /// - Throws: `busy` if another shred or rotation runs; `clockWentBack` (nothing done) if the
    ///   clock reads earlier than the last recorded event; `neverBackedUp` (nothing done) with the
    ///   positions of ids never backed up when `notYetBackedUp` is false; key store and catalog
    ///   errors (the steps done so far stay done and are finished by the next run).
    public func run(customers: [CustomerID], request: String, notYetBackedUp: Bool = false) throws -> [ShredReceipt] {
        let customers = customers.distinct()
        precondition(!customers.isEmpty, "a shred names at least one customer")
        let lock = try home.lock("keys")
        defer { withExtendedLifetime(lock) {} }
        let now = home.clock.now()
        try Maintenance(home: home).refuseUnsafeWrite(now: now)
        defer { Maintenance(home: home).recordLedgerHead() }
        if !notYetBackedUp {
            let unknown = try home.keys.neverSeen(customers)
            guard unknown.isEmpty else {
                throw JobError.neverBackedUp(positions: unknown, of: customers.count,
                                             twins: try unknown.filter { try hasNormalisationTwin(customers[$0]) })
            }
        }
        let maintenance = KeyMaintenance(home: home, reached: Self.testCrashPoint)
        let finished = try maintenance.finishPendingShreds(now: now)

        var receipts = try customers.map { customer in
            try destroyKey(of: customer, request: request, notYetBackedUp: notYetBackedUp, now: now, maintenance: maintenance)
        }
        receipts[0].finishedEarlierShreds = finished.map(\.rawValue)

        var rotation: RotationSummary?
        var incomplete: String?
        if try home.keys.owedRotation() != nil {
            do {
                let reason = receipts.allSatisfy(\.alreadyDone) ? "finishing an interrupted shred or rotation" : "shred"
                rotation = try maintenance.rotate(reason: reason, now: now)
            } catch {
                incomplete = "the key-encryption key could not be rotated (\(error)); copies of the key store taken before this shred are not yet inert"
            }
        }
        if let unclean = KeyMaintenance.unclean(rotation) { incomplete = unclean }
        if incomplete == nil, let owed = try home.keys.owedRotation() {
            incomplete = owed
        }
        let outstanding = try KeysJob.rawEscrowEpochs(in: home.catalog).filter { $0 < home.keys.epoch }
        for index in receipts.indices {
            receipts[index].outstandingRawEscrows = outstanding
            receipts[index].rotation = rotation
            receipts[index].incomplete = incomplete
            receipts[index].complete = incomplete == nil
            if incomplete != nil {
                home.log.error("shred.incomplete", ["pseudonym": receipts[index].pseudonym ?? "-"])
            }
        }
        return receipts
    }

    /// True when `customer`'s id, read as UTF-8, has an NFC or NFD form (other bytes) that a
    /// customer was backed up under or that names a folder of the source root: a likely typo
    /// the refusal then points out (ids are bytes, so it is still not that customer).
    private func hasNormalisationTwin(_ customer: CustomerID) throws -> Bool {
        guard let text = String(validating: customer.bytes, as: UTF8.self) else { return false }
        let twins = Set([text.precomposedStringWithCanonicalMapping, text.decomposedStringWithCanonicalMapping]
            .map { Array($0.utf8) }.filter { $0 != customer.bytes }.compactMap { CustomerID(bytes: $0) })
        guard !twins.isEmpty else { return false }
        if try home.keys.neverSeen(Array(twins)).count < twins.count { return true }
        let root = SourceRoot(home.sourceURL)
        return twins.contains { twin in
            var info = stat()
            return PathContainment.withCPath(root.folder(of: twin)) { stat($0, &info) } == 0
        }
    }

    /// Steps 2 and 3 for one customer: the tombstone and key destruction, then the catalog
    /// record (or the ledger event of an erasure before any backup). The receipt is not yet
    /// complete: the rotation follows for the whole batch.
    private func destroyKey(of customer: CustomerID, request: String, notYetBackedUp: Bool, now: Date,
                            maintenance: KeyMaintenance) throws -> ShredReceipt {
        let outcome: ShredOutcome
        do {
            outcome = try home.keys.markShredded(customer, request: request, now: now, notYetBackedUp: notYetBackedUp)
        } catch KeyStoreError.unknownCustomer {
            throw JobError.neverBackedUp(positions: [0], of: 1, twins: try hasNormalisationTwin(customer) ? [0] : [])
        }
        Self.testCrashPoint("after-mark")
        if outcome.nothingStored {
            try home.catalog.record(LedgerEvent(LedgerEvent.CustomerErasedBeforeBackup(
                request: outcome.request, shreddedAt: outcome.shreddedAt, result: "nothing stored; future backups refused"), at: now))
            home.log.info("shred.before_backup", ["result": "nothing stored; future backups refused"])
        }
        let status: ShredReceipt.Status = outcome.nothingStored ? .notYetBackedUp : outcome.alreadyShredded ? .alreadyShredded : .shredded
        var receipt = ShredReceipt(status: status, complete: false,
                                   pseudonym: outcome.pseudonym?.rawValue, request: outcome.request,
                                   shreddedAt: Timestamp.iso(outcome.shreddedAt), destroyedKey: outcome.destroyedKeyID?.rawValue,
                                   unreadable: [], rotation: nil, finishedEarlierShreds: [], incomplete: nil)
        if let pseudonym = outcome.pseudonym, let keyID = outcome.destroyedKeyID {
            home.log.info("shred.key_destroyed", ["pseudonym": pseudonym.rawValue, "key": keyID.rawValue])
            receipt.unreadable = try maintenance.recordShred(
                PendingShred(pseudonym: pseudonym, destroyedKeyID: keyID, shreddedAt: outcome.shreddedAt, request: outcome.request),
                now: now)
        }
        return receipt
    }

    /// Test seam, read only here: `LETHE_TEST_CRASH_AT=after-mark|after-catalog|after-rotate-write|after-rotate-commit`
    /// kills this process with SIGKILL right after that step, so tests can show that every
    /// interrupted shred is finished or reported by the next command. It changes nothing else.
    static func testCrashPoint(_ step: String) { TestCrashPoint.reached(step) }
}
