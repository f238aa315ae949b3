import Foundation
import LetheCatalog
import LetheCore
import LetheKeys
import LethePolicy

/// What one expire run did with each decision of its plan.
public struct ExpireResult: Codable, Sendable, Equatable {
    /// How a decision ended.
    public enum Status: String, Codable, Sendable {
        /// Kept: its delete-by has not passed.
        case kept
        /// Removed from its store, confirmed gone, and marked deleted in the catalog.
        case deleted
        /// A pending copy past its delete-by: whatever an interrupted upload left at its key was
        /// deleted, and it is marked deleted, never to be uploaded.
        case cancelled
        /// Could not be deleted (store down, object still locked, …): it stays overdue (a pending
        /// copy stays pending) and the next run tries again.
        case failed
        /// Past its delete-by, but not deleted: a copy at its location that is a differential
        /// against it is still stored (kept by the plan, or not deleted in this run). It stays
        /// overdue; the run is partial.
        case held
    }

    /// The copy's catalog id.
    public var copyID: Int64
    /// What the plan said.
    public var action: RetentionPlan.Decision.Action
    /// What happened.
    public var status: Status
    /// Why it failed, or a note ("already gone from the store").
    public var message: String?

    enum CodingKeys: String, CodingKey { case copyID = "id", action, status, message }

    /// Creates a result.
    public init(copyID: Int64, action: RetentionPlan.Decision.Action, status: Status, message: String? = nil) {
        self.copyID = copyID
        self.action = action
        self.status = status
        self.message = message
    }
}

/// What an expire run did: the plan it applied, the expiry keys it destroyed, and one result per
/// decision (in the plan's order).
public struct ExpireOutcome: Codable, Sendable {
    /// How the run ended.
    public enum State: String, Codable, Sendable {
        /// Every due copy was deleted (or there was none).
        case complete
        /// Some due copies could not be deleted; they stay overdue and are retried next run (exit 2).
        case partial
    }

    /// The plan, exactly as `lethe expire --dry-run` would have printed it at the same instant.
    public var plan: RetentionPlan
    /// The delete-by dates whose expiry keys this run destroyed (copies due then are unreadable).
    public var destroyedKeyDates: [Date]
    /// One result per decision, in the plan's order.
    public var results: [ExpireResult]
    /// How the run ended.
    public var state: State
    /// The KEK rotation that made the destroyed expiry keys unreadable in every earlier copy of
    /// the key store (nil when none was owed, or the "keys" lock was held by a running shred or
    /// rotation). Incomplete, it says why.
    public var rotation: RotationOutcome?
    /// Why a rotation is still owed, and what to do (nil once none is). The run is then
    /// `partial`: the expired copies are unreadable here, but not yet in stale key-store copies.
    public var rotationOwed: String?

    enum CodingKeys: String, CodingKey {
        case plan, destroyedKeyDates = "destroyed_key_dates", results, state, rotation, rotationOwed = "rotation_owed"
    }

    /// Creates an outcome.
    public init(plan: RetentionPlan, destroyedKeyDates: [Date], results: [ExpireResult], state: State,
                rotation: RotationOutcome? = nil, rotationOwed: String? = nil) {
        (self.plan, self.destroyedKeyDates, self.results) = (plan, destroyedKeyDates, results)
        (self.state, self.rotation, self.rotationOwed) = (state, rotation, rotationOwed)
    }

    /// How many decisions ended with `status`.
    public func count(_ status: ExpireResult.Status) -> Int {
        results.reduce(0) { $0 + ($1.status == status ? 1 : 0) }
    }
}

/// The expire run: plans with ``RetentionPlanner`` (the same plan the dry run prints), then
/// destroys the expiry keys of every date that has passed, deletes each due copy from its store,
/// confirms it is gone, and only then marks it deleted in the catalog and the ledger (the row is
/// kept as history).
///
/// A copy that cannot be deleted stays live in the catalog (shown overdue, since its delete-by
/// has passed), gets a `copy.delete_failed` ledger event, and is tried again by the next run;
/// the run is then `partial`. Its expiry key is destroyed all the same, so it is unreadable.
public struct ExpireJob: Sendable {
    let home: Home
    /// Catalog changes committed per transaction.
    var batchSize = 256

    /// An expire job on `home`.
    public init(home: Home) { self.home = home }

    /// The plan at the clock's `now`, changing nothing (the dry run).
    ///
    /// - Throws: `clockWentBack` if the clock reads earlier than the last recorded event.
    public func plan() throws -> RetentionPlan {
        let now = home.clock.now()
        try Maintenance(home: home).refuseClockGoneBack(now: now)
        return try plan(now: now)
    }

    /// Applies the plan, under the home's run lock.
    ///
    /// - Throws: `busy` if another run holds the lock; `clockWentBack` (nothing done) if the
    ///   clock reads earlier than the last recorded event; key store and catalog errors. A copy
    ///   that cannot be deleted does not throw: it is in the outcome, which is then `partial`.
    public func run() throws -> ExpireOutcome {
        let lock = try home.lock("run")
        defer { withExtendedLifetime(lock) {} }
        let now = home.clock.now()
        try Maintenance(home: home).prepareRun(now: now)
        defer { Maintenance(home: home).recordLedgerHead() }
        let records = try home.catalog.copies(states: Self.plannedStates)
        let plan = try plan(records, now: now)

        // Cryptographic expiry first: every copy due by now becomes unreadable wherever it is,
        // even one that cannot be deleted below.
        let (destroyed, rotation, rotationOwed) = try destroyExpiryKeysAndRotate(now: now)

        var results: [ExpireResult] = []
        results.reserveCapacity(plan.decisions.count)
        var marks: [CopyStateChange] = []
        func flush() throws {
            try home.catalog.updateCopies(marks)
            marks.removeAll(keepingCapacity: true)
        }
        /// A decision that could not be carried out: its ledger event (`copy.<what>`, made by
        /// `payload` from the copy's facts and the error), its result, a warning.
        func failed<Payload: LedgerPayload>(_ decision: RetentionPlan.Decision, _ what: String, _ error: any Error,
                                            _ payload: (LedgerEvent.CopyFacts, String) -> Payload) throws {
            let reason = "\(error)"
            try home.catalog.record(LedgerEvent(payload(Self.facts(decision), reason), at: now))
            results.append(ExpireResult(copyID: decision.copyID, action: decision.action, status: .failed, message: reason))
            home.log.warning("expire.copy." + what, ["pseudonym": decision.pseudonym.rawValue, "set": decision.setID.rawValue,
                                                     "location": decision.location.rawValue, "error": reason])
        }
        /// A copy past its delete-by that a differential at its location still needs: kept,
        /// recorded (`copy.delete_failed`, so the report shows why it is overdue), logged.
        func held(_ decision: RetentionPlan.Decision, _ reason: String) throws {
            try home.catalog.record(LedgerEvent(LedgerEvent.CopyDeleteFailed(
                copy: Self.facts(decision), error: reason,
                result: "still stored: held for the copies that depend on it; deleted by a later run once none does"), at: now))
            results.append(ExpireResult(copyID: decision.copyID, action: decision.action, status: .held, message: reason))
            home.log.warning("expire.copy.held", ["pseudonym": decision.pseudonym.rawValue, "set": decision.setID.rawValue,
                                                  "location": decision.location.rawValue, "reason": reason])
        }
        // Dependants before their bases (the plan's application order); the copies gone so far.
        var gone: Set<Int64> = []
        let order = plan.applicationOrder
        for index in order {
            let decision = plan.decisions[index]
            if let waiting = decision.deleteAfter.first(where: { !gone.contains($0) }) {
                let status = results.last { $0.copyID == waiting }?.status.rawValue ?? "not reached"
                try held(decision, "held past its delete-by: copy #\(waiting) at \(decision.location.rawValue), a differential against it, "
                                   + "was not deleted in this run (\(status)); deleted once no copy there depends on it")
                continue
            }
            switch decision.action {
            case .keep:
                results.append(ExpireResult(copyID: decision.copyID, action: .keep, status: .kept))
            case .hold:
                try held(decision, decision.reasons.last { $0.rule == .heldForDependant }?.text ?? "held for a copy that depends on it")
            case .cancelPending:
                do {
                    // An upload may have reached the store before its run died: remove it first.
                    let stored = try removeLeftovers(of: decision)
                    let result = stored ? "never recorded as uploaded; what was stored at its key was deleted and confirmed gone"
                                        : "never uploaded: marked deleted"
                    marks.append(CopyStateChange(id: decision.copyID, state: .deleted, event: LedgerEvent(
                        LedgerEvent.CopyCancelled(copy: Self.facts(decision), result: result), at: now)))
                    results.append(ExpireResult(copyID: decision.copyID, action: .cancelPending, status: .cancelled,
                                                message: stored ? "deleted what an interrupted upload left at its key" : "never uploaded"))
                    gone.insert(decision.copyID)
                } catch {
                    try failed(decision, "cancel_failed", error) { copy, error in
                        LedgerEvent.CopyCancelFailed(copy: copy, error: error,
                                                     result: "still pending: what is stored at its key could not be deleted; retried on the next run")
                    }
                }
            case .delete:
                do {
                    let note = try delete(decision)
                    marks.append(CopyStateChange(id: decision.copyID, state: .deleted, event: LedgerEvent(
                        LedgerEvent.CopyDeleted(copy: Self.facts(decision), result: "deleted from the store and confirmed gone", note: note),
                        at: now)))
                    results.append(ExpireResult(copyID: decision.copyID, action: .delete, status: .deleted, message: note))
                    gone.insert(decision.copyID)
                    home.log.detail("expire.copy.deleted", ["pseudonym": decision.pseudonym.rawValue, "set": decision.setID.rawValue,
                                                          "location": decision.location.rawValue])
                } catch {
                    try failed(decision, "delete_failed", error) { copy, error in
                        LedgerEvent.CopyDeleteFailed(copy: copy, error: error, result: "still stored: overdue, retried on the next run")
                    }
                }
            }
            if marks.count >= batchSize { try flush() }
        }
        try flush()
        // Results in the plan's order (applied in another only when a base went after its dependants).
        if order != Array(plan.decisions.indices) {
            var slots = [ExpireResult?](repeating: nil, count: plan.decisions.count)
            for (index, result) in zip(order, results) { slots[index] = result }
            results = slots.compactMap { $0 }
        }

        let failed = results.reduce(0) { $0 + ($1.status == .failed ? 1 : 0) }
        let heldBack = results.reduce(0) { $0 + ($1.status == .held ? 1 : 0) }
        let state: ExpireOutcome.State = failed == 0 && heldBack == 0 && rotationOwed == nil ? .complete : .partial
        let outcome = ExpireOutcome(plan: plan, destroyedKeyDates: destroyed, results: results, state: state,
                                    rotation: rotation, rotationOwed: rotationOwed)
        let summary = LedgerEvent.ExpireFinished(
            state: state.rawValue, policy: URL(fileURLWithPath: plan.policyFile).lastPathComponent, kept: outcome.count(.kept),
            deleted: outcome.count(.deleted), cancelled: outcome.count(.cancelled), failed: failed, held: heldBack == 0 ? nil : heldBack,
            keysDestroyed: destroyed.count, rotationOwed: rotationOwed)
        try home.catalog.record(LedgerEvent(summary, at: now))
        home.log.info("expire.finished", summary.details)
        return outcome
    }

    /// Destroys the expiry keys of every date that has passed, then rotates the KEK, so that
    /// copies of the key store taken before this run lose those keys too. Holds the "keys" lock
    /// for these steps only (a shred during the rest of the run is not held up), when it is
    /// free: a running shred or rotation does not delay expiry, and the rotation is then owed.
    private func destroyExpiryKeysAndRotate(now: Date) throws -> (destroyed: [Date], rotation: RotationOutcome?, owed: String?) {
        let keysLock: RunLock?
        do { keysLock = try home.lock("keys") } catch JobError.busy { keysLock = nil }
        defer { withExtendedLifetime(keysLock) {} }
        let destroyed = try home.keys.destroyExpiryKeys(dueBy: now)
        if !destroyed.isEmpty {
            try home.catalog.record(LedgerEvent(LedgerEvent.KeysExpiryDestroyed(deleteBy: destroyed, count: destroyed.count), at: now))
            home.log.info("expire.keys_destroyed", ["count": String(destroyed.count),
                                                    "delete_by": destroyed.map(Timestamp.iso).joined(separator: ",")])
        }
        let (rotation, owed) = rotateOwedKEK(holdingKeysLock: keysLock != nil, now: now)
        return (destroyed, rotation, owed)
    }

    /// Finishes what is owed to the key hierarchy (this run's destroyed expiry keys, an
    /// interrupted shred) as `keys rotate` would: `KeyMaintenance.finish`.
    ///
    /// - Returns: the rotation, if one ran; why one is still owed (the "keys" lock is held by a
    ///   running shred or rotation, a key directory could not be reached), if so. Never throws:
    ///   the expiry itself goes on.
    private func rotateOwedKEK(holdingKeysLock: Bool, now: Date) -> (RotationOutcome?, String?) {
        let advice = "copies of the key store taken before this run still hold the destroyed expiry keys until `lethe keys rotate` (or the next expire) succeeds"
        do {
            guard try home.keys.owedRotation() != nil else { return (nil, nil) }
            guard holdingKeysLock else {
                return (nil, "another shred or key rotation holds the keys lock, so the key-encryption key was not rotated: \(advice)")
            }
            let outcome = try KeyMaintenance(home: home).finish(reason: "expiry", always: false, now: now)
            let owed = outcome.incomplete.map { "\($0): \(advice)" }
            if let owed { home.log.warning("expire.rotation_owed", ["reason": owed]) }
            return (outcome, owed)
        } catch {
            home.log.warning("expire.rotation_owed", ["reason": "\(error)"])
            return (nil, "the key-encryption key could not be rotated (\(error)): \(advice)")
        }
    }

    /// The copies the planner sees: those not yet deleted or shredded.
    static let plannedStates: [CopyState] = [.live, .pending, .overdue, .shredded]

    /// Plans over the catalog at `now`: one function for the dry run and the real run (the report
    /// plans with the same ``RetentionPlanner`` over the same records).
    func plan(now: Date) throws -> RetentionPlan {
        try plan(try home.catalog.copies(states: Self.plannedStates), now: now)
    }

    func plan(_ records: [CopyRecord], now: Date) throws -> RetentionPlan {
        RetentionPlanner.plan(copies: records, policy: try home.policy, now: now)
    }

    /// Deletes one copy from its store, every version of its key by version id (the recorded
    /// one and any a retried upload left), and confirms with a version listing that none is left.
    ///
    /// - Returns: a note when nothing was stored any more (a run that died after deleting it
    ///   but before marking it), nil otherwise.
    /// - Throws: `objectLocked` while any version is locked by the store's clock (nothing is
    ///   deleted); the store's errors; `failed` when a version is still listed afterwards.
    func delete(_ decision: RetentionPlan.Decision) throws -> String? {
        let stored = try removal(for: decision.location).removeEveryVersion(at: decision.objectKey)
        return stored ? nil : "already gone from the store (an earlier run deleted it but stopped before recording it)"
    }

    /// Removes whatever an interrupted upload left at a pending copy's key. A home with no
    /// offsite store set up any more has nowhere such a leftover could be reached: nothing to do.
    /// - Returns: true when something was stored there (and is now deleted).
    func removeLeftovers(of decision: RetentionPlan.Decision) throws -> Bool {
        if decision.location == .offsite && !home.offsiteConfigured { return false }
        return try removal(for: decision.location).removeEveryVersion(at: decision.objectKey)
    }

    /// Removes what a location's store holds at a copy's key.
    func removal(for location: Location) throws -> StoredCopyRemoval {
        StoredCopyRemoval(store: try home.writableStore(for: location), location: location)
    }

    /// What the ledger events about one decision say of its copy: its row, facts and the plan's reasons.
    static func facts(_ decision: RetentionPlan.Decision) -> LedgerEvent.CopyFacts {
        LedgerEvent.CopyFacts(pseudonym: decision.pseudonym, set: decision.setID, location: decision.location, copyID: decision.copyID,
                              objectKey: decision.objectKey, deleteBy: decision.deleteBy, retentionClass: decision.retentionClass,
                              reasons: decision.reasons.map(\.text).joined(separator: "; "))
    }
}
