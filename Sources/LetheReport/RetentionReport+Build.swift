import Foundation
import LetheCatalog
import LetheCore
import LethePolicy

extension RetentionReport {
    /// Builds the report at `now`: a pure function of its inputs (no clock, no files, no store).
    ///
    /// - Parameters:
    ///   - copies: every copy the catalog records, in any order and every state.
    ///   - sets: every set, oldest first.
    ///   - events: the ledger events the report reads, typed.
    ///   - verification: the ledger's chain check.
    ///   - head: the ledger's last event (nil when it is empty).
    ///   - keyStore: what the key store says about unfinished shreds.
    ///   - plan: the retention plan over `copies` at `now` (its max_age violations are counted).
    ///   - policy: the policy in force.
    ///   - home: the home folder, as shown.
    ///   - offsiteStore: whether the home has an offsite store (a policy with an offsite tier needs one).
    ///   - findings: what `lethe verify` found per copy and still holds (`Catalog.copyFindings()`), by copy row id.
    ///   - signedWith: the id of the home's signing key, if it has one.
    public static func build(copies records: [CopyRecord], sets: [SetRecord], events: LedgerHistory,
                             verification: LedgerVerification, head: LedgerEvent?, keyStore: KeyStoreFindings,
                             plan: RetentionPlan, policy: Policy, home: String, offsiteStore: Bool,
                             findings: [Int64: CopyFinding], signedWith: String?, now: Date) -> RetentionReport {
        let violating = Set(plan.decisions.filter(\.hasViolation).map(\.copyID))
        let failures = LastFailures(events)
        let erasures = Self.erasures(events)
        let unfinished = unfinishedShred(records, erasures: erasures, keyStore: keyStore)
        var flags: [Pseudonym: CopyEntry.ShredFlag] = [:]
        for event in unfinished?.unrotatedErasures ?? [] {
            if let erasure = erasures.first(where: { $0.event == event }) { flags[erasure.pseudonym] = .rotationOwed }
        }
        for shred in unfinished?.unrecorded ?? [] { flags[shred.pseudonym] = .unrecorded }

        let ordered = records.sorted(by: copyOrder)
        let copies = ordered.map { copy in
            var entry = CopyEntry(pseudonym: copy.pseudonym, set: copy.setID, class: copy.retentionClass, location: copy.location,
                                  objectKey: copy.objectKey, created: copy.created, deleteBy: copy.deleteBy, bytes: copy.bytes,
                                  state: copy.state(at: now),
                                  unfinishedShred: copy.state == .deleted ? nil : flags[copy.pseudonym],
                                  finding: findings[copy.id]?.kind, found: findings[copy.id]?.found)
            if copy.isOverdue(at: now) {
                entry.overdueSeconds = seconds(from: copy.deleteBy, to: now)
                let failure = failures.last(for: copy)
                entry.lastFailure = failure?.error
                entry.lastFailureAt = failure?.at
            }
            return entry
        }
        let overdue = copies.filter(\.isOverdue).sorted { a, b in
            a.deleteBy != b.deleteBy ? a.deleteBy < b.deleteBy
                : (a.set.rawValue, a.pseudonym.rawValue, a.location.rawValue) < (b.set.rawValue, b.pseudonym.rawValue, b.location.rawValue)
        }

        let entries = Dictionary(uniqueKeysWithValues: zip(ordered.map(\.id), copies))
        let locations = Self.locations(records, policy: policy)
        let maxAge = locations.map { location in
            maxAgeCheck(location, ordered.filter { $0.location == location }, entries: entries, violating: violating,
                        policy: policy, now: now)
        }
        let runs = events.expireRuns
        let ledger = LedgerSummary(intact: verification.isIntact, events: verification.events,
                                   firstBrokenEvent: verification.firstBrokenSequence, problem: verification.problem,
                                   headSequence: head?.sequence, headHash: head?.hash, headAt: head?.at)
        let checks = Self.verification(events, copiesWithFindings: copies.filter { $0.finding != nil }.count, now: now)
        let summary = Self.summary(copies: copies.count, overdue: overdue.count, violations: maxAge.reduce(0) { $0 + $1.violations },
                              verification: verification, unfinished: unfinished, erasures: erasures,
                              lastExpireRun: runs.last?.at, policy: policy,
                              offsiteProblem: policy.missingOffsiteStore(hasOffsiteStore: offsiteStore, configurationFile: "the home's lethe.json"),
                              checks: checks)
        return RetentionReport(
            generatedAt: now, home: home, summary: summary, policy: policySummary(policy), ledger: ledger, verification: checks,
            locations: locations.map { locationSummary($0, copies: copies, policy: policy) },
            overdue: overdue, maxAge: maxAge,
            sets: sets.map { set in
                SetEntry(set: set.id, created: set.created, class: set.retentionClass, state: set.state, customers: set.customers,
                         failed: set.failures, policy: URL(fileURLWithPath: set.policy, isDirectory: false).lastPathComponent)
            },
            copies: copies, erasures: erasures, unfinishedShred: unfinished,
            expiryKeyDestructions: events.expiryDestructions.map(expiryKeyDestruction),
            expireRuns: runs.suffix(recentExpireRuns).reversed().map(expireRun),
            expireRunsTotal: runs.count, signedWith: signedWith)
    }

    // MARK: Parts

    /// The verdict: the headline and one sentence per problem; green (`ok`) only without any.
    static func summary(copies: Int, overdue: Int, violations: Int, verification: LedgerVerification, unfinished: UnfinishedShred?,
                        erasures: [Erasure], lastExpireRun: Date?, policy: Policy, offsiteProblem: String?,
                        checks: Verification) -> Summary {
        var problems: [String] = []
        if overdue > 0 {
            problems.append("\(Wording.count(overdue, "copy", "copies")) past \(overdue == 1 ? "its" : "their") delete-by and not yet deleted")
        }
        if violations > 0 {
            problems.append("\(Wording.count(violations, "stored copy", "stored copies")) beyond max_age \(policy.maxAge)")
        }
        if let broken = verification.firstBrokenSequence {
            problems.append("the ledger is broken at event \(broken) of \(verification.events): \(verification.problem ?? "the chain does not check"); the events from there on cannot be trusted")
        }
        for shred in unfinished?.unrecorded ?? [] {
            problems.append("an interrupted shred: the customer key of \(shred.pseudonym) was destroyed (request \(shred.request)) but the shred is not recorded, so \(Wording.count(shred.listedCopies, "copy is", "copies are")) still listed (run `lethe keys rotate`)")
        }
        for erasure in erasures where erasure.kekRotation?.complete != true {
            problems.append("the shred of \(erasure.pseudonym) is not followed by a complete key-encryption-key rotation: copies of the key store taken before it are not yet inert (run `lethe keys rotate`)")
        }
        if let owed = unfinished?.owedRotation {
            problems.append("the key store owes a key-encryption-key rotation: \(owed) (run `lethe keys rotate`)")
        }
        if let offsiteProblem { problems.append(offsiteProblem) }
        let verify = verificationProblems(checks)
        problems += verify.problems
        var parts: [String] = []
        if let unfinished {
            parts.append(unfinished.unrecorded.isEmpty ? "Shred unfinished: key-encryption-key rotation owed" : "Interrupted shred")
        }
        if overdue > 0 { parts.append("\(Wording.count(overdue, "copy", "copies")) overdue") }
        if offsiteProblem != nil {
            parts.append("Offsite copies never made: no offsite store (add one to lethe.json, or remove the policy's offsite block)")
        }
        if let lead = verify.lead { parts.append(lead) }
        let headline = parts.isEmpty ? "All copies within their delete-by dates" : parts.joined(separator: "; ")
        return Summary(headline: headline, ok: problems.isEmpty, copies: copies, overdueCopies: overdue, maxAgeViolations: violations,
                       ledgerIntact: verification.isIntact, unfinishedShred: unfinished != nil, lastExpireRun: lastExpireRun,
                       problems: problems)
    }

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
    static func locations(_ records: [CopyRecord], policy: Policy) -> [Location] {
        let present = Set(records.map(\.location))
        return Location.allCases.filter { policy.tiers[$0] != nil || present.contains($0) }
    }

    static func policySummary(_ policy: Policy) -> PolicySummary {
        let tiers = Location.allCases.compactMap { location -> PolicySummary.Tier? in
            guard let tier = policy.tiers[location] else { return nil }
            let lifetimes = RetentionClass.allCases.compactMap { retentionClass in
                tier.lifetimes[retentionClass].map { PolicySummary.Lifetime(class: retentionClass, keep: $0.description) }
            }
            return .init(location: location, lifetimes: lifetimes, objectLock: tier.objectLock?.rawValue ?? "none")
        }
        return .init(name: policy.name, file: policy.sourceFile, timeZone: policy.timeZoneName,
                     maxAge: policy.maxAge.description, locations: tiers)
    }

    static func locationSummary(_ location: Location, copies: [CopyEntry], policy: Policy) -> LocationSummary {
        let here = copies.filter { $0.location == location }
        let states = CopyState.allCases.map { state in
            let matching = here.filter { $0.state == state }
            return CopyCount(state: state, copies: matching.count, bytes: matching.reduce(0) { $0 + $1.bytes })
        }
        return .init(location: location, inPolicy: policy.tiers[location] != nil, states: states)
    }

    /// The oldest copy still stored at a location (live in the catalog, overdue or not) against
    /// its `max_age` limit; every stored copy past its limit, or written with a delete-by beyond
    /// it, counts as a violation.
    static func maxAgeCheck(_ location: Location, _ records: [CopyRecord], entries: [Int64: CopyEntry],
                            violating: Set<Int64>, policy: Policy, now: Date) -> MaxAgeCheck {
        let stored = records.filter { $0.state == .live || $0.state == .overdue }
        let violations = stored.filter { violating.contains($0.id) || policy.latestDeleteBy(created: $0.created) <= now }.count
        guard let oldest = stored.min(by: { $0.created != $1.created ? $0.created < $1.created : copyOrder($0, $1) }) else {
            return .init(location: location, violations: violations)
        }
        let limit = policy.latestDeleteBy(created: oldest.created)
        return .init(location: location, oldest: entries[oldest.id], ageSeconds: seconds(from: oldest.created, to: now),
                     latestAllowed: limit, marginSeconds: seconds(from: now, to: limit), violations: violations)
    }

    /// What interrupted shreds left undone, or nil: shreds the key store holds whose ledger
    /// event is missing, the rotation the key store owes (or why it could not be checked), and
    /// shreds not followed by a complete rotation.
    static func unfinishedShred(_ records: [CopyRecord], erasures: [Erasure], keyStore: KeyStoreFindings) -> UnfinishedShred? {
        let recorded = Set(erasures.map(\.pseudonym))
        let unrecorded = keyStore.pendingShreds.filter { !recorded.contains($0.pseudonym) }.map { shred in
            UnrecordedShred(pseudonym: shred.pseudonym, request: shred.request, shreddedAt: shred.shreddedAt,
                            listedCopies: records.filter { $0.pseudonym == shred.pseudonym && [.live, .pending, .overdue].contains($0.state) }.count)
        }
        let unrotated = erasures.filter { $0.kekRotation?.complete != true }.map(\.event)
        guard !unrecorded.isEmpty || keyStore.owedRotation != nil || !unrotated.isEmpty else { return nil }
        return .init(unrecorded: unrecorded, owedRotation: keyStore.owedRotation, unrotatedErasures: unrotated,
                     fix: "run `lethe keys rotate` (the next `lethe nightly` or `lethe backup` also finishes it); if a key directory cannot be reached, reconnect it first")
    }

    /// Every shred in the ledger, each with the first complete KEK rotation recorded after it
    /// (else the first incomplete one: a rotation recorded `complete: no` does not finish it).
    static func erasures(_ events: LedgerHistory) -> [Erasure] {
        let rotations = events.rotations.map(rotation)
        return events.shreds.map { event in
            var shred = erasure(event)
            let after = rotations.filter { $0.event > event.sequence }
            shred.kekRotation = after.first(where: \.complete) ?? after.first
            return shred
        }
    }

    // MARK: Small helpers

    static func seconds(from start: Date, to end: Date) -> Int64 {
        Int64(end.timeIntervalSince1970.rounded(.down)) - Int64(start.timeIntervalSince1970.rounded(.down))
    }
}
