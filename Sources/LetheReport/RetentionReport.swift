import Foundation
import LetheCore

/// The retention report for auditors (`lethe report`): what the catalog and the ledger say
/// about every copy, set and erasure at one instant, and whether the promises hold.
///
/// Built by ``build(copies:sets:events:verification:head:keyStore:plan:policy:home:offsiteStore:findings:signedWith:now:)``, a
/// pure function of what the catalog, the ledger, the key store and the policy say (the report
/// job in LetheJobs fetches them); rendered by ``html()``, ``json()`` and ``csv()``. It names
/// customers by pseudonym only: the catalog and ledger it is built from hold no customer id.
///
/// The promises it checks:
/// - every copy is gone by its delete-by date (a copy past it and still present is **overdue**);
/// - no copy outlives the policy's `max_age`;
/// - the ledger's hash chain is intact (and its head hash is shown, to compare with the one
///   noted last time);
/// - every shred is finished: recorded in the ledger, and followed by a complete KEK rotation
///   (an interrupted one is an ``UnfinishedShred``);
/// - every copy the policy asks for can be made (an offsite tier needs an offsite store);
/// - `lethe verify` ran recently and found nothing (``Verification``).
public struct RetentionReport: Codable, Sendable, Equatable {
    /// The instant the report describes (the home's clock, or `LETHE_NOW`).
    public var generatedAt: Date
    /// The home folder the report was built from.
    public var home: String
    /// The verdict at a glance.
    public var summary: Summary
    /// The policy in force.
    public var policy: PolicySummary
    /// The ledger's verification and head.
    public var ledger: LedgerSummary
    /// The last `lethe verify` of each kind, its result and age.
    public var verification: Verification
    /// Copy counts and bytes per location, by state.
    public var locations: [LocationSummary]
    /// Every overdue copy, the most overdue first.
    public var overdue: [CopyEntry]
    /// Per location, the oldest copy still stored, against `max_age`.
    public var maxAge: [MaxAgeCheck]
    /// Every set, oldest first.
    public var sets: [SetEntry]
    /// Every copy the catalog has ever recorded (deleted and shredded ones as history), by
    /// creation time, set, pseudonym and location.
    public var copies: [CopyEntry]
    /// Every crypto-shred recorded in the ledger, oldest first.
    public var erasures: [Erasure]
    /// What interrupted shreds left undone (nil: every shred is finished).
    public var unfinishedShred: UnfinishedShred?
    /// Every destruction of expiry keys recorded in the ledger, oldest first.
    public var expiryKeyDestructions: [ExpiryKeyDestruction]
    /// The most recent expire runs (at most ``recentExpireRuns``), newest first.
    public var expireRuns: [ExpireRun]
    /// How many expire runs the ledger records in all.
    public var expireRunsTotal: Int
    /// The id (as minisign prints it) of the key that signs this home's reports and receipts:
    /// a report written to a file comes with `FILE.minisig`, which the auditor checks with the
    /// public key they received once, out of band. Nil while the home has no signing key.
    public var signedWith: String?

    /// How many expire runs the report lists.
    public static let recentExpireRuns = 30

    /// The verdict at a glance.
    public struct Summary: Codable, Sendable, Equatable {
        /// "All copies within their delete-by dates", or "N copies overdue"; led by "Interrupted
        /// shred" or "Key-encryption-key rotation owed" while a shred is unfinished, followed by
        /// what is wrong with the offsite store and with verification (each replaces "All copies
        /// within their delete-by dates" when nothing is overdue).
        public var headline: String
        /// True when nothing is wrong (``problems`` is empty): the verdict is green.
        public var ok: Bool
        /// How many copies the catalog records (every state).
        public var copies: Int
        /// How many copies are overdue now.
        public var overdueCopies: Int
        /// How many stored copies break the `max_age` promise.
        public var maxAgeViolations: Int
        /// Whether the ledger's hash chain checks.
        public var ledgerIntact: Bool
        /// Whether a shred is unfinished (``RetentionReport/unfinishedShred`` says what is owed).
        public var unfinishedShred: Bool
        /// When the last expire run finished, if any.
        public var lastExpireRun: Date?
        /// One sentence per problem found (empty when all is well).
        public var problems: [String]
    }

    /// The policy in force, as loaded from its file.
    public struct PolicySummary: Codable, Sendable, Equatable {
        /// The policy's `name:`.
        public var name: String
        /// The policy file.
        public var file: String
        /// The zone in which days are counted.
        public var timeZone: String
        /// The hard cap, as written (`190d`).
        public var maxAge: String
        /// What each location keeps.
        public var locations: [Tier]

        /// What one location keeps.
        public struct Tier: Codable, Sendable, Equatable {
            /// Where.
            public var location: Location
            /// The lifetime of each class kept there, daily first; a class missing gets no copy there.
            public var lifetimes: [Lifetime]
            /// `governance`, `compliance` or `none`.
            public var objectLock: String
        }

        /// How long one class lives at one location.
        public struct Lifetime: Codable, Sendable, Equatable {
            /// The class.
            public var `class`: RetentionClass
            /// The lifetime as written (`7d`, `5w`, `6m`, `1y`).
            public var keep: String
        }
    }

    /// The ledger's verification, and its head for comparison with an earlier report.
    public struct LedgerSummary: Codable, Sendable, Equatable {
        /// Whether every event's hash and link check.
        public var intact: Bool
        /// How many events were checked.
        public var events: Int
        /// The first event that does not fit, when broken.
        public var firstBrokenEvent: Int64?
        /// What is wrong there.
        public var problem: String?
        /// The last event's sequence number before this report was recorded.
        public var headSequence: Int64?
        /// The last event's hash (SHA-256, hex): note it, and compare it with the next report's
        /// chain (every later event must build on it).
        public var headHash: String?
        /// When the last event was recorded.
        public var headAt: Date?
    }
}
