import Foundation
import LetheCore

/// The retention report for auditors (`lethe report`): what the catalog and the ledger say
/// about every copy, set and erasure at one instant, and whether the promises hold.
///
/// Built by ``build(copies:sets:events:verification:head:keyStore:plan:policy:home:signedWith:now:)``, a
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
///   (an interrupted one is an ``UnfinishedShred``).
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
        /// shred" or "Key-encryption-key rotation owed" while a shred is unfinished.
        public var headline: String
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

    /// How many copies, and how many bytes: those one location holds in one state (in
    /// ``LocationSummary/states``), or those one shred made unreadable at one location (in
    /// ``Erasure/byLocation``). Deleted and shredded copies keep the size they had.
    public struct CopyCount: Codable, Sendable, Equatable {
        /// The location counted (in an erasure), nil in a location's own counts.
        public var location: Location?
        /// The state counted (in a location's counts), nil in an erasure.
        public var state: CopyState?
        /// How many copies.
        public var copies: Int
        /// Their recorded size.
        public var bytes: Int64
    }

    /// One location's copies by state.
    public struct LocationSummary: Codable, Sendable, Equatable {
        /// Where.
        public var location: Location
        /// Whether the policy keeps copies there.
        public var inPolicy: Bool
        /// One count per state, in the order live, pending, overdue, deleted, shredded.
        public var states: [CopyCount]

        /// The count for `state` (zero if absent).
        public func count(_ state: CopyState) -> CopyCount {
            states.first { $0.state == state } ?? CopyCount(state: state, copies: 0, bytes: 0)
        }
    }

    /// One copy, with its state as of the report's instant.
    public struct CopyEntry: Codable, Sendable, Equatable {
        /// The customer's pseudonym.
        public var pseudonym: Pseudonym
        /// The set id.
        public var set: SetID
        /// The set's class.
        public var `class`: RetentionClass
        /// Where the copy is.
        public var location: Location
        /// The copy's name in its store.
        public var objectKey: ObjectKey
        /// When its set was created.
        public var created: Date
        /// Its delete-by, fixed when it was written.
        public var deleteBy: Date
        /// The recorded size.
        public var bytes: Int64
        /// Its state at the report's instant (``CopyRecord/state(at:)``: overdue when past its
        /// delete-by and not yet deleted, or pending past its date).
        public var state: CopyState
        /// How long past its delete-by, in seconds, when overdue.
        public var overdueSeconds: Int64?
        /// The last recorded reason it could not be deleted (or uploaded, for a pending copy).
        public var lastFailure: String?
        /// When that failure was recorded.
        public var lastFailureAt: Date?
        /// Set while a shred of its customer is unfinished.
        public var unfinishedShred: ShredFlag?

        /// Why a copy is flagged while a shred of its customer is unfinished.
        public enum ShredFlag: String, Codable, Sendable, Equatable {
            /// Their key is destroyed but the shred is not recorded, so the copy is still listed live.
            case unrecorded
            /// Recorded, but no complete KEK rotation followed: a key-store copy taken before the
            /// shred could still open it.
            case rotationOwed = "rotation_owed"
        }

        /// Whether the copy is overdue: still stored past its delete-by (an overdue copy, or a
        /// shredded one not yet deleted, which keeps the state `shredded`).
        public var isOverdue: Bool { overdueSeconds != nil }
    }

    /// The `max_age` promise at one location: the oldest copy still stored there.
    public struct MaxAgeCheck: Codable, Sendable, Equatable {
        /// Where.
        public var location: Location
        /// The oldest stored copy's pseudonym, set, creation and delete-by (nil: none stored).
        public var oldest: CopyEntry?
        /// Its age now, in seconds.
        public var ageSeconds: Int64?
        /// The latest instant it may exist: the start of (its creation day + `max_age`).
        public var latestAllowed: Date?
        /// Time left until then, in seconds (negative: past it).
        public var marginSeconds: Int64?
        /// How many stored copies at this location break the promise (stored past their
        /// `max_age` limit, or written with a delete-by beyond it).
        public var violations: Int
    }

    /// One set.
    public struct SetEntry: Codable, Sendable, Equatable {
        /// The set id.
        public var id: SetID
        /// When it was created.
        public var created: Date
        /// Its class.
        public var `class`: RetentionClass
        /// Its state.
        public var state: SetState
        /// How many customers it holds.
        public var customers: Int
        /// How many customers failed.
        public var failures: Int
        /// The policy file it was classified under (file name).
        public var policy: String
    }

    /// One crypto-shred, as the ledger records it (pseudonym and request reference, never a
    /// customer id).
    public struct Erasure: Codable, Sendable, Equatable {
        /// The ledger event that records it.
        public var event: Int64
        /// The shredded customer's pseudonym.
        public var pseudonym: Pseudonym
        /// The erasure request reference.
        public var request: String
        /// When the customer key was destroyed.
        public var shreddedAt: Date
        /// How many copies were made unreadable.
        public var copies: Int
        /// Those copies per location.
        public var byLocation: [CopyCount]
        /// The first complete key-encryption-key rotation after the shred, which made stale
        /// key-store copies inert; else the first incomplete one (`complete` false: the old key
        /// survived in a key directory); nil: none recorded yet. Either way short of a complete
        /// one, the shred is not finished.
        public var kekRotation: KEKRotation?
    }

    /// A key-encryption-key epoch change.
    public struct KEKRotation: Codable, Sendable, Equatable {
        /// The ledger event that records it.
        public var event: Int64
        /// When.
        public var at: Date
        /// The epoch before.
        public var fromEpoch: Int
        /// The epoch after.
        public var toEpoch: Int
        /// Whether the old key was destroyed in every key directory.
        public var complete: Bool
    }

    /// One destruction of expiry keys: every copy due on those dates became unreadable.
    public struct ExpiryKeyDestruction: Codable, Sendable, Equatable {
        /// When the keys were destroyed.
        public var at: Date
        /// The delete-by dates whose keys were destroyed.
        public var deleteBy: [Date]
    }

    /// One expire run, from its `expire.finished` event.
    public struct ExpireRun: Codable, Sendable, Equatable {
        /// When it ran.
        public var at: Date
        /// complete or partial.
        public var state: String
        /// Copies kept (not yet due).
        public var kept: Int
        /// Copies deleted and confirmed gone.
        public var deleted: Int
        /// Pending uploads cancelled (their date passed first).
        public var cancelled: Int
        /// Deletions that failed (those copies stayed overdue).
        public var failed: Int
        /// Expiry keys destroyed.
        public var keysDestroyed: Int
    }
}
