import Foundation
import LetheCore

/// Decides, for every copy, whether the expire run keeps or deletes it: a pure function of
/// (copies, policy, now).
///
/// Rules:
/// - Deleted copies get no decision. Shredded copies are unreadable already; their bytes are
///   still deleted on their delete-by, like every other copy's.
/// - Each copy's stored delete-by decides: past (≤ `now`) means delete, or, for a copy still
///   pending (never uploaded), cancel the upload; otherwise keep. The delete-by is never
///   recomputed or moved: if the current policy would give an earlier date, or keeps no such
///   copy any more, a note says so and the stored date still applies.
/// - A base outlives its dependants (``BaseGuard``): a copy to delete that a differential at
///   the same location still needs (kept, or held itself) is held instead; one whose dependants
///   there are all due is deleted after them (``RetentionPlan/applicationOrder``).
/// - A stored delete-by later than created + `max_age` is reported as a violation (it should
///   never happen); the stored date still decides.
/// - Every delete-by on or before `now` among those copies is listed in
///   ``RetentionPlan/expiredKeyDates``: the expiry keys of those days must be destroyed.
public enum RetentionPlanner {
    /// Plans the expire run over `copies` under `policy` at `now`.
    public static func plan(copies: [CopyRecord], policy: Policy, now: Date) -> RetentionPlan {
        var context = PlanningContext(policy: policy)
        var decisions: [RetentionPlan.Decision] = []
        decisions.reserveCapacity(copies.count)
        var expired: Set<Date> = []
        var baseGuard = BaseGuard()

        for copy in copies where copy.state != .deleted {
            let passed = copy.deleteBy <= now
            let action: RetentionPlan.Decision.Action
            // Shared arrays: most copies have exactly the reasons of many others.
            var reasons = context.reasons(copy, passed: passed)
            if passed {
                expired.insert(copy.deleteBy)
                action = copy.state == .pending ? .cancelPending : .delete
            } else {
                action = .keep
            }
            if let current = context.currentDeleteBy(copy), current < copy.deleteBy {
                let day = context.day(copy.deleteBy)
                reasons.append(.init(rule: .policyNowEarlier,
                                     text: "note: the current policy would give delete-by \(context.day(current)); the stored \(day) stands (delete-by is fixed at write time)"))
            }
            if copy.state == .shredded {
                reasons.append(.init(rule: .shredded,
                                     text: "customer shredded: the copy is unreadable; its bytes go on its delete-by"))
            }
            let cap = context.maxAgeCap(copy.created)
            if copy.deleteBy > cap {
                let day = context.day(copy.deleteBy)
                reasons.append(.init(rule: .exceedsMaxAge,
                                     text: "VIOLATION: delete-by \(day) is later than created + max_age \(policy.maxAge) (\(Timestamp.iso(cap))); this copy was written wrongly"))
            }
            baseGuard.note(copy, index: decisions.count, action: action)
            decisions.append(RetentionPlan.Decision(
                copyID: copy.id, action: action, location: copy.location, retentionClass: copy.retentionClass,
                pseudonym: copy.pseudonym, setID: copy.setID, objectKey: copy.objectKey, created: copy.created,
                deleteBy: copy.deleteBy, state: copy.state, reasons: reasons))
        }
        baseGuard.apply(to: &decisions, context: &context)

        decisions.sort { a, b in
            if a.created != b.created { return a.created < b.created }
            if a.setID != b.setID { return a.setID < b.setID }
            if a.pseudonym != b.pseudonym { return a.pseudonym < b.pseudonym }
            if a.location != b.location { return a.location.order < b.location.order }
            return a.copyID < b.copyID
        }
        return RetentionPlan(policyName: policy.name, policyFile: policy.sourceFile,
                             timeZone: policy.timeZoneName, now: now,
                             decisions: decisions, expiredKeyDates: expired.sorted())
    }
}

extension Location {
    /// local before offsite.
    var order: Int { Location.allCases.firstIndex(of: self)! }
}

/// Memoised calendar work: copies share sets, so dates and sentences repeat.
struct PlanningContext {
    let policy: Policy
    let calendar: Calendar
    private var days: [Date: String] = [:]
    private var rules: [RuleKey: RetentionPlan.Reason] = [:]
    private var caps: [Date: Date] = [:]
    private var verdicts: [Date: RetentionPlan.Reason] = [:]
    private var current: [CurrentKey: Date?] = [:]
    private var shared: [ReasonsKey: [RetentionPlan.Reason]] = [:]

    struct RuleKey: Hashable { let retentionClass: RetentionClass; let location: Location }
    struct CurrentKey: Hashable { let created: Date; let retentionClass: RetentionClass; let location: Location }
    struct ReasonsKey: Hashable { let retentionClass: RetentionClass; let location: Location; let deleteBy: Date; let pending: Bool }

    init(policy: Policy) {
        self.policy = policy
        self.calendar = policy.calendar
    }

    /// `2027-01-04` when `date` is the start of a day in the policy's zone; the ISO instant otherwise.
    mutating func day(_ date: Date) -> String {
        if let text = days[date] { return text }
        let civil = CivilDate(date, in: policy.timeZone)
        let text = civil.start(in: policy.timeZone) == date ? civil.iso : Timestamp.iso(date)
        days[date] = text
        return text
    }

    /// "delete-by 2026-11-09 has passed" or "keep until 2026-12-01"; `passed` depends only on
    /// the date within one plan, so the date alone is the cache key.
    mutating func verdict(_ deleteBy: Date, passed: Bool) -> RetentionPlan.Reason {
        if let reason = verdicts[deleteBy] { return reason }
        let day = day(deleteBy)
        let reason: RetentionPlan.Reason = passed
            ? .init(rule: .deleteByPassed, text: "delete-by \(day) has passed")
            : .init(rule: .keepUntil, text: "keep until \(day)")
        verdicts[deleteBy] = reason
        return reason
    }

    /// The rule, the date verdict and, for a pending copy, what becomes of it; memoised, so
    /// that copies with the same class, location, delete-by and pending state share one array.
    mutating func reasons(_ copy: CopyRecord, passed: Bool) -> [RetentionPlan.Reason] {
        let key = ReasonsKey(retentionClass: copy.retentionClass, location: copy.location, deleteBy: copy.deleteBy,
                             pending: copy.state == .pending)
        if let reasons = shared[key] { return reasons }
        var reasons = [ruleReason(copy), verdict(copy.deleteBy, passed: passed)]
        if key.pending {
            reasons.append(passed
                ? .init(rule: .neverUpload, text: "pending copy was never stored: never upload it")
                : .init(rule: .pendingUpload, text: "pending: not stored yet; the next run stores it"))
        }
        shared[key] = reasons
        return reasons
    }

    mutating func ruleReason(_ copy: CopyRecord) -> RetentionPlan.Reason {
        let key = RuleKey(retentionClass: copy.retentionClass, location: copy.location)
        if let reason = rules[key] { return reason }
        let name = copy.retentionClass.rawValue, place = copy.location.rawValue
        let reason: RetentionPlan.Reason
        if let lifetime = policy.lifetime(of: copy.retentionClass, at: copy.location) {
            reason = .init(rule: .lifetime,
                           text: "\(name) copy, \(place) keeps \(name) for \(lifetime) (\(policy.sourceFile))")
        } else {
            reason = .init(rule: .notKeptByPolicy,
                           text: "\(name) copy, \(place) keeps no \(name) copies under \(policy.sourceFile) (written under an earlier policy); its stored delete-by applies")
        }
        rules[key] = reason
        return reason
    }

    mutating func maxAgeCap(_ created: Date) -> Date {
        if let cap = caps[created] { return cap }
        let cap = policy.maxAge.added(to: created, in: calendar)
        caps[created] = cap
        return cap
    }

    mutating func currentDeleteBy(_ copy: CopyRecord) -> Date? {
        let key = CurrentKey(created: copy.created, retentionClass: copy.retentionClass, location: copy.location)
        if let date = current[key] { return date }
        let date = policy.deleteBy(created: copy.created, class: copy.retentionClass, location: copy.location)
        current[key] = date
        return date
    }
}
