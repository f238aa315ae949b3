import Foundation
import LetheCatalog
import LetheCore
import LetheCrypto
import LetheKeys
import LethePolicy
#if canImport(Glibc)
import Glibc
#endif

/// `lethe report`: the retention report for auditors, built from the catalog, the ledger and
/// the policy at the home's `now`.
///
/// Reading changes nothing; the run then records a `report.generated` event (format, counts,
/// the ledger head it saw), so the report is itself part of the ledger from then on.
///
/// Overdue means: a live copy whose delete-by is at or before `now` (the expire run must delete
/// it), or a pending one past its date (the expire run must cancel it); the same rule as
/// `lethe list archives` and the same plan as `lethe expire --dry-run`.
///
/// Unfinished shred means: the key store holds a shred whose ledger event is missing (a shred
/// killed after destroying the key), or owes a KEK rotation, or a shred in the ledger is not
/// followed by a *complete* rotation (one recorded `complete: no` left the old KEK in a key
/// directory, so it does not count). The key store is only read.
public struct ReportJob: Sendable {
    let home: Home

    /// A report on `home`.
    public init(home: Home) { self.home = home }

    /// The event this job appends.
    public static let generatedEvent = LedgerEvent.ReportGenerated.kind.rawValue

    /// Builds the report at the clock's `now`, changing nothing.
    ///
    /// - Throws: `clockWentBack` if the clock reads earlier than the last recorded event;
    ///   catalog errors if the catalog cannot be read. A broken ledger does not throw: the
    ///   report says so (``RetentionReport/LedgerSummary/intact`` is false); an event the report
    ///   reads whose details do not decode does (`CatalogError.invalidEvent`, exit 3).
    public func build() throws -> RetentionReport {
        let now = home.clock.now()
        try Maintenance(home: home).refuseClockGoneBack(now: now)
        let verification = try home.catalog.verifyLedger()
        let head = try home.catalog.ledgerHead()
        let shreds = try home.catalog.events(LedgerEvent.CustomerShredded.self)
        let rotations = try home.catalog.events(LedgerEvent.KeysRotated.self)
        let expiryDestructions = try home.catalog.events(LedgerEvent.KeysExpiryDestroyed.self)
        let runs = try home.catalog.events(LedgerEvent.ExpireFinished.self)
        let records = try home.catalog.copies()
        let plan = ExpireJob(home: home).plan(records.filter { ExpireJob.plannedStates.contains($0.state) }, now: now)
        let violating = Set(plan.decisions.filter(\.hasViolation).map(\.copyID))

        // The last recorded failure of each copy: deletions by copy id, uploads by object key.
        var deleteFailures: [Int64: (error: String, at: Date)] = [:]
        var uploadFailures: [String: (error: String, at: Date)] = [:]
        for event in try home.catalog.events(LedgerEvent.CopyDeleteFailed.self) {
            if let copy = event.payload.copy.copyID { deleteFailures[copy] = (event.payload.error, event.at) }
        }
        for event in try home.catalog.events(LedgerEvent.CopyUploadFailed.self) {
            if let key = event.payload.copy.objectKey {
                uploadFailures[event.payload.copy.location.rawValue + "/" + key.rawValue] = (event.payload.error, event.at)
            }
        }

        let erasures = erasures(shreds, rotations: rotations)
        let unfinished = unfinishedShred(records, erasures: erasures)
        var flags: [String: String] = [:]
        for event in unfinished?.unrotatedErasures ?? [] {
            if let erasure = erasures.first(where: { $0.event == event }) { flags[erasure.pseudonym] = "rotation_owed" }
        }
        for shred in unfinished?.unrecorded ?? [] { flags[shred.pseudonym] = "unrecorded" }

        let ordered = records.sorted(by: Self.copyOrder)
        let copies = ordered.map { copy -> CopyEntry in
            let state = Inventory.effectiveState(copy, now: now)
            var entry = CopyEntry(pseudonym: copy.pseudonym.rawValue, set: copy.setID.rawValue, class: copy.retentionClass.rawValue,
                                  location: copy.location.rawValue, objectKey: copy.objectKey.rawValue, created: copy.created,
                                  deleteBy: copy.deleteBy, state: state.rawValue, bytes: copy.bytes, overdueSeconds: nil,
                                  lastFailure: nil, lastFailureAt: nil,
                                  unfinishedShred: copy.state == .deleted ? nil : flags[copy.pseudonym.rawValue])
            if Inventory.isOverdue(copy, now: now) {
                entry.overdueSeconds = Self.seconds(from: copy.deleteBy, to: now)
                let failure = copy.state == .pending
                    ? uploadFailures[copy.location.rawValue + "/" + copy.objectKey.rawValue]
                    : deleteFailures[copy.id]
                entry.lastFailure = failure?.error
                entry.lastFailureAt = failure?.at
            }
            return entry
        }
        let overdue = copies.filter(\.isOverdue).sorted { a, b in
            a.deleteBy != b.deleteBy ? a.deleteBy < b.deleteBy : (a.set, a.pseudonym, a.location) < (b.set, b.pseudonym, b.location)
        }

        let entries = Dictionary(uniqueKeysWithValues: zip(ordered.map(\.id), copies))
        let maxAge = locations(records).map { location in
            maxAgeCheck(location, ordered.filter { $0.location == location }, entries: entries, violating: violating, now: now)
        }
        let violations = maxAge.reduce(0) { $0 + $1.violations }
        let ledger = RetentionReport.LedgerSummary(intact: verification.isIntact, events: verification.events,
                                                   firstBrokenEvent: verification.firstBrokenSequence,
                                                   problem: verification.problem, headSequence: head?.sequence,
                                                   headHash: head?.hash, headAt: head?.at)

        var problems: [String] = []
        if !overdue.isEmpty {
            problems.append("\(Self.plural(overdue.count, "copy", "copies")) past \(overdue.count == 1 ? "its" : "their") delete-by and not yet deleted")
        }
        if violations > 0 {
            problems.append("\(Self.plural(violations, "stored copy", "stored copies")) beyond max_age \(home.policy.maxAge)")
        }
        if let broken = verification.firstBrokenSequence {
            problems.append("the ledger is broken at event \(broken) of \(verification.events): \(verification.problem ?? "the chain does not check"); the events from there on cannot be trusted")
        }
        for shred in unfinished?.unrecorded ?? [] {
            problems.append("an interrupted shred: the customer key of \(shred.pseudonym) was destroyed (request \(shred.request)) but the shred is not recorded, so \(Self.plural(shred.listedCopies, "copy is", "copies are")) still listed (run `lethe keys rotate`)")
        }
        for erasure in erasures where erasure.kekRotation?.complete != true {
            problems.append("the shred of \(erasure.pseudonym) is not followed by a complete key-encryption-key rotation: copies of the key store taken before it are not yet inert (run `lethe keys rotate`)")
        }
        if let owed = unfinished?.owedRotation {
            problems.append("the key store owes a key-encryption-key rotation: \(owed) (run `lethe keys rotate`)")
        }
        var headline = overdue.isEmpty ? "All copies within their delete-by dates" : "\(Self.plural(overdue.count, "copy", "copies")) overdue"
        if let unfinished {
            let lead = unfinished.unrecorded.isEmpty ? "Shred unfinished: key-encryption-key rotation owed" : "Interrupted shred"
            headline = overdue.isEmpty ? lead : "\(lead); \(headline)"
        }
        let summary = RetentionReport.Summary(
            headline: headline, copies: copies.count, overdueCopies: overdue.count, maxAgeViolations: violations,
            ledgerIntact: verification.isIntact, unfinishedShred: unfinished != nil, lastExpireRun: runs.last?.at, problems: problems)

        return RetentionReport(
            generatedAt: now, home: home.url.path, summary: summary, policy: policySummary(), ledger: ledger,
            locations: locations(records).map { locationSummary($0, copies: copies) },
            overdue: overdue, maxAge: maxAge,
            sets: try home.catalog.sets().map { set in
                RetentionReport.SetEntry(id: set.id.rawValue, created: set.created, class: set.retentionClass.rawValue,
                                         state: set.state.rawValue, customers: set.customers, failures: set.failures,
                                         policy: URL(fileURLWithPath: set.policy).lastPathComponent)
            },
            copies: copies, erasures: erasures,
            expiryKeyDestructions: expiryDestructions.map { event in
                RetentionReport.ExpiryKeyDestruction(at: event.at, deleteBy: event.payload.deleteBy)
            },
            expireRuns: runs.suffix(RetentionReport.recentExpireRuns).reversed().map { event in
                let run = event.payload
                return RetentionReport.ExpireRun(at: event.at, state: run.state, kept: run.kept, deleted: run.deleted,
                                                 cancelled: run.cancelled, failed: run.failed, keysDestroyed: run.keysDestroyed)
            },
            expireRunsTotal: runs.count, unfinishedShred: unfinished, signedWith: Self.signingKeyID(of: home))
    }

    /// The id of the home's signing key, or nil when it has none or the key store cannot open it
    /// now (a report that cannot name its key is still written; signing one then fails).
    static func signingKeyID(of home: Home) -> String? {
        guard let key = try? home.keys.signingKey() else { return nil }
        return Minisign.keyIDHex(key)
    }

    /// Builds the report, renders it in `format`, hands the text to `deliver` (standard output,
    /// or ``write(_:to:)``), then records a `report.generated` event.
    ///
    /// - Returns: the report (``RetentionReport/ledger`` says whether the ledger is intact; the
    ///   CLI exits 3 when it is not, after delivering the report).
    /// - Throws: what ``build()`` throws; what `deliver` throws (nothing is recorded then);
    ///   catalog errors if the event cannot be appended.
    ///   - deliverSignature: when given, the rendered text is also signed with the home's signing
    ///     key (created on first use) and the `.minisig` text handed to it, after `deliver`; the
    ///     event then names the key (`signed_by`).
    @discardableResult
    public func run(format: ReportFormat, deliver: (String) throws -> Void,
                    deliverSignature: ((String) throws -> Void)? = nil) throws -> RetentionReport {
        if deliverSignature != nil { _ = try home.keys.signingKeyCreatingIfNeeded() }
        let report = try build()
        let text = report.rendered(as: format)
        try deliver(text)
        var signedBy: String?
        if let deliverSignature {
            let signature = try DocumentSigner(home: home).sign(text, comment: "lethe report generated_at=\(Timestamp.iso(report.generatedAt)) format=\(format.rawValue) ledger_head=\(report.ledger.headSequence.map(String.init) ?? "0")")
            try deliverSignature(signature.minisig)
            signedBy = signature.keyID
        }
        let generated = LedgerEvent.ReportGenerated(
            format: format.rawValue, copies: report.summary.copies, overdue: report.summary.overdueCopies,
            maxAgeViolations: report.summary.maxAgeViolations, sets: report.sets.count, erasures: report.erasures.count,
            ledgerIntact: report.ledger.intact, unfinishedShred: report.summary.unfinishedShred, ledgerEvents: report.ledger.events,
            signedBy: signedBy, ledgerHead: report.ledger.headSequence, ledgerHeadHash: report.ledger.headHash,
            firstBroken: report.ledger.firstBrokenEvent)
        try home.catalog.record(LedgerEvent(generated, at: report.generatedAt))
        home.log.info(Self.generatedEvent, generated.details.filter { $0.key != "ledger_head_hash" })
        if !report.ledger.intact {
            home.log.error("ledger.broken", ["first_broken": report.ledger.firstBrokenEvent.map(String.init) ?? "-"])
        }
        return report
    }

    /// Writes `text` to `url` atomically: a temporary file beside it, synced, then renamed over
    /// it (and the folder synced). Readers see the old file or the whole new one, never a part.
    ///
    /// - Throws: `DurableFileError` when the folder is not writable or the disk is full (the
    ///   temporary file is removed; `url` is untouched).
    public static func write(_ text: String, to url: URL) throws {
        try Array(text.utf8).withUnsafeBytes { try DurableFile.replace(url, with: $0, mode: 0o640) }
    }

    // MARK: Parts

    typealias CopyEntry = RetentionReport.CopyEntry

    /// By creation time, set, pseudonym, then local before offsite (the planner's order).
    static func copyOrder(_ a: CopyRecord, _ b: CopyRecord) -> Bool {
        if a.created != b.created { return a.created < b.created }
        if a.setID != b.setID { return a.setID < b.setID }
        if a.pseudonym != b.pseudonym { return a.pseudonym < b.pseudonym }
        if a.location != b.location { return locationRank(a.location) < locationRank(b.location) }
        return a.objectKey < b.objectKey
    }

    static func locationRank(_ location: Location) -> Int { Location.allCases.firstIndex(of: location)! }

    /// The locations the policy keeps or any copy is at, local first.
    func locations(_ records: [CopyRecord]) -> [Location] {
        let present = Set(records.map(\.location))
        return Location.allCases.filter { home.policy.tiers[$0] != nil || present.contains($0) }
    }

    func policySummary() -> RetentionReport.PolicySummary {
        let policy = home.policy
        let tiers = Location.allCases.compactMap { location -> RetentionReport.PolicySummary.Tier? in
            guard let tier = policy.tiers[location] else { return nil }
            let lifetimes = RetentionClass.allCases.compactMap { retentionClass in
                tier.lifetimes[retentionClass].map { RetentionReport.PolicySummary.Lifetime(class: retentionClass.rawValue, keep: $0.description) }
            }
            return .init(location: location.rawValue, lifetimes: lifetimes, objectLock: tier.objectLock?.rawValue ?? "none")
        }
        return .init(name: policy.name, file: policy.sourceFile, timeZone: policy.timeZoneName,
                     maxAge: policy.maxAge.description, locations: tiers)
    }

    func locationSummary(_ location: Location, copies: [CopyEntry]) -> RetentionReport.LocationSummary {
        let here = copies.filter { $0.location == location.rawValue }
        let states = CopyState.allCases.map { state in
            let matching = here.filter { $0.state == state.rawValue }
            return RetentionReport.StateCount(state: state.rawValue, copies: matching.count,
                                              bytes: matching.reduce(0) { $0 + $1.bytes })
        }
        return .init(location: location.rawValue, inPolicy: home.policy.tiers[location] != nil, states: states)
    }

    /// The oldest copy still stored at a location (live in the catalog, overdue or not) against
    /// its `max_age` limit; every stored copy past its limit, or written with a delete-by beyond
    /// it, counts as a violation.
    func maxAgeCheck(_ location: Location, _ records: [CopyRecord], entries: [Int64: CopyEntry],
                     violating: Set<Int64>, now: Date) -> RetentionReport.MaxAgeCheck {
        let stored = records.filter { $0.state == .live || $0.state == .overdue }
        let violations = stored.filter { violating.contains($0.id) || home.policy.latestDeleteBy(created: $0.created) <= now }.count
        guard let oldest = stored.min(by: { $0.created != $1.created ? $0.created < $1.created : Self.copyOrder($0, $1) }) else {
            return .init(location: location.rawValue, oldest: nil, ageSeconds: nil, latestAllowed: nil, marginSeconds: nil,
                         violations: violations)
        }
        let limit = home.policy.latestDeleteBy(created: oldest.created)
        return .init(location: location.rawValue, oldest: entries[oldest.id], ageSeconds: Self.seconds(from: oldest.created, to: now),
                     latestAllowed: limit, marginSeconds: Self.seconds(from: now, to: limit), violations: violations)
    }

    /// What interrupted shreds left undone, or nil: shreds the key store holds whose ledger
    /// event is missing, the rotation the key store owes (a key store that cannot be read is
    /// named as such), and shreds not followed by a complete rotation. Reads, never writes.
    func unfinishedShred(_ records: [CopyRecord], erasures: [RetentionReport.Erasure]) -> RetentionReport.UnfinishedShred? {
        var pending: [PendingShred] = []
        var owed: String?
        do {
            (pending, owed) = try KeyMaintenance(home: home).unfinished()
        } catch {
            owed = "the key store could not be checked (\(error))"
        }
        let recorded = Set(erasures.map(\.pseudonym))
        let unrecorded = pending.filter { !recorded.contains($0.pseudonym.rawValue) }.map { shred in
            RetentionReport.UnrecordedShred(pseudonym: shred.pseudonym.rawValue, request: shred.request, shreddedAt: shred.shreddedAt,
                                            listedCopies: records.filter { $0.pseudonym == shred.pseudonym && [.live, .pending, .overdue].contains($0.state) }.count)
        }
        let unrotated = erasures.filter { $0.kekRotation?.complete != true }.map(\.event)
        guard !unrecorded.isEmpty || owed != nil || !unrotated.isEmpty else { return nil }
        return .init(unrecorded: unrecorded, owedRotation: owed, unrotatedErasures: unrotated,
                     fix: "run `lethe keys rotate` (the next `lethe nightly` or `lethe backup` also finishes it); if a key directory cannot be reached, reconnect it first")
    }

    /// Every shred in the ledger, each with the first complete KEK rotation recorded after it
    /// (else the first incomplete one: a rotation recorded `complete: no` does not finish it).
    func erasures(_ shreds: [LedgerEvent.Recorded<LedgerEvent.CustomerShredded>],
                  rotations: [LedgerEvent.Recorded<LedgerEvent.KeysRotated>]) -> [RetentionReport.Erasure] {
        shreds.map { event in
            let shred = event.payload
            let byLocation = Location.allCases.compactMap { location -> RetentionReport.ErasedCopies? in
                guard let copies = shred.unreadable.first(where: { $0.location == location }) else { return nil }
                return .init(location: location.rawValue, copies: copies.copies, bytes: copies.bytes)
            }
            let after = rotations.filter { $0.sequence > event.sequence }
            let rotation = (after.first { $0.payload.complete } ?? after.first).map { rotation in
                RetentionReport.KEKRotation(event: rotation.sequence, at: rotation.at, fromEpoch: rotation.payload.fromEpoch,
                                            toEpoch: rotation.payload.toEpoch, complete: rotation.payload.complete)
            }
            return .init(event: event.sequence, pseudonym: shred.pseudonym.rawValue, request: shred.request, shreddedAt: shred.shreddedAt,
                         copies: shred.copies, byLocation: byLocation, kekRotation: rotation)
        }
    }

    // MARK: Small helpers

    static func seconds(from start: Date, to end: Date) -> Int64 {
        Int64(end.timeIntervalSince1970.rounded(.down)) - Int64(start.timeIntervalSince1970.rounded(.down))
    }

    static func plural(_ count: Int, _ one: String, _ many: String) -> String { "\(count) \(count == 1 ? one : many)" }
}
