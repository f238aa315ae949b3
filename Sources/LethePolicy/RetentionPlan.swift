import Foundation
import LetheCore

/// What the expire run will do, copy by copy, with its reasons: the output of
/// ``RetentionPlanner/plan(copies:policy:now:)``.
///
/// The dry run prints it (``text`` or ``json()``), the real run applies it, the report shows it.
public struct RetentionPlan: Sendable, Hashable {
    /// The policy's name.
    public var policyName: String
    /// The policy file, as loaded.
    public var policyFile: String
    /// The policy's time zone identifier (days in reasons are days in this zone).
    public var timeZone: String
    /// The instant the plan was made for.
    public var now: Date
    /// One decision per copy that is neither deleted nor shredded, in a stable order
    /// (by creation time, set, pseudonym, location, copy id).
    public var decisions: [Decision]
    /// Every delete-by date on or before `now` that a copy in the plan has, ascending: the
    /// expiry keys of these dates must be destroyed.
    public var expiredKeyDates: [Date]

    /// Creates a plan.
    public init(policyName: String, policyFile: String, timeZone: String, now: Date,
                decisions: [Decision], expiredKeyDates: [Date]) {
        (self.policyName, self.policyFile, self.timeZone) = (policyName, policyFile, timeZone)
        (self.now, self.decisions, self.expiredKeyDates) = (now, decisions, expiredKeyDates)
    }

    /// The order the expire run applies the decisions in, as indices into ``decisions``: a copy
    /// after every copy in its ``Decision/deleteAfter``, otherwise the plan's order.
    public var applicationOrder: [Int] {
        guard decisions.contains(where: { !$0.deleteAfter.isEmpty }) else { return Array(decisions.indices) }
        let indexOf = Dictionary(decisions.enumerated().map { ($1.copyID, $0) }, uniquingKeysWith: { first, _ in first })
        // A copy's depth: 1 + the deepest copy it waits for. Chains are at most three archives;
        // rows that name each other (damage) stop after a few rounds, and the run then holds
        // whichever copy finds a dependant not yet deleted.
        var depth = [Int](repeating: 0, count: decisions.count)
        for _ in 0..<4 {
            for (index, decision) in decisions.enumerated() {
                for copy in decision.deleteAfter {
                    if let other = indexOf[copy] { depth[index] = max(depth[index], depth[other] + 1) }
                }
            }
        }
        return decisions.indices.sorted { depth[$0] != depth[$1] ? depth[$0] < depth[$1] : $0 < $1 }
    }

    /// How many decisions have `action`.
    public func count(_ action: Decision.Action) -> Int {
        decisions.reduce(0) { $0 + ($1.action == action ? 1 : 0) }
    }

    /// The planner's verdict on one copy.
    public struct Decision: Sendable, Hashable {
        /// What to do with a copy.
        public enum Action: String, Sendable, Hashable, Codable, CaseIterable {
            /// Leave it: its delete-by has not passed.
            case keep
            /// Remove it from its store (its delete-by has passed).
            case delete
            /// A pending copy whose delete-by has passed: never upload it; mark it done.
            case cancelPending = "cancel-pending"
            /// Past its delete-by, but kept: a copy at the same location that is a differential
            /// against it is still stored or to be stored (invariant 15: a base outlives its
            /// dependants). Only a catalog that says otherwise than Lethe wrote (damage, a hand
            /// edit) gives one; the run that holds a copy is partial.
            case hold
        }

        /// The catalog id of the copy.
        public var copyID: Int64
        /// The verdict.
        public var action: Action
        /// Where the copy is.
        public var location: Location
        /// Its class.
        public var retentionClass: RetentionClass
        /// Whose archive it is.
        public var pseudonym: Pseudonym
        /// Its set.
        public var setID: SetID
        /// Its name in its store.
        public var objectKey: ObjectKey
        /// When its set was created.
        public var created: Date
        /// Its stored delete-by (never recomputed).
        public var deleteBy: Date
        /// Its catalog state when the plan was made.
        public var state: CopyState
        /// Why, in order: the rule, then the date verdict, then any notes or violations.
        public var reasons: [Reason]
        /// For a copy to delete: the copies at its location that are differentials against it and
        /// that this run deletes (or cancels) too, by copy id. The run deletes it only after they
        /// are gone (``RetentionPlan/applicationOrder``), and holds it if one of them is not.
        public var deleteAfter: [Int64] = []

        /// Creates a decision.
        public init(copyID: Int64, action: Action, location: Location, retentionClass: RetentionClass,
                    pseudonym: Pseudonym, setID: SetID, objectKey: ObjectKey, created: Date,
                    deleteBy: Date, state: CopyState, reasons: [Reason]) {
            self.copyID = copyID
            self.action = action
            self.location = location
            self.retentionClass = retentionClass
            self.pseudonym = pseudonym
            self.setID = setID
            self.objectKey = objectKey
            self.created = created
            self.deleteBy = deleteBy
            self.state = state
            self.reasons = reasons
        }

        /// Whether any reason reports a violation of the policy's guarantees.
        public var hasViolation: Bool { reasons.contains { $0.rule == .exceedsMaxAge } }
    }

    /// One reason for a decision: which rule, and a sentence that says it with the class,
    /// location, policy file and dates filled in.
    public struct Reason: Sendable, Hashable, Codable, CustomStringConvertible {
        /// The rule a reason comes from.
        public enum Rule: String, Sendable, Hashable, Codable, CaseIterable {
            /// The policy's lifetime for this class at this location.
            case lifetime
            /// The current policy keeps no copy of this class at this location (written under
            /// an earlier policy); the stored delete-by still applies.
            case notKeptByPolicy = "not-kept-by-policy"
            /// The stored delete-by has passed.
            case deleteByPassed = "delete-by-passed"
            /// The stored delete-by has not passed.
            case keepUntil = "keep-until"
            /// The copy was never stored and now never will be.
            case neverUpload = "never-upload"
            /// The copy is pending: not stored yet; the next run stores it.
            case pendingUpload = "pending-upload"
            /// The current policy would give an earlier delete-by; the stored one stands.
            case policyNowEarlier = "policy-now-earlier"
            /// Violation: the stored delete-by is later than created + max_age.
            case exceedsMaxAge = "exceeds-max-age"
            /// The customer was crypto-shredded: the copy is unreadable already; its bytes are
            /// removed on its delete-by like any other copy's (a lock may forbid it earlier).
            case shredded
            /// Held past its delete-by: a copy at the same location is a differential against it
            /// and is kept (or held too).
            case heldForDependant = "held-for-dependant"
            /// Deleted in this run only after the differentials against it at its location.
            case afterDependants = "after-dependants"
        }

        /// The rule.
        public var rule: Rule
        /// The sentence, e.g. "weekly copy, offsite keeps weekly for 5w (policies/default.yaml)".
        public var text: String

        /// Creates a reason.
        public init(rule: Rule, text: String) {
            self.rule = rule
            self.text = text
        }

        /// The sentence.
        public var description: String { text }
    }
}
