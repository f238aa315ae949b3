import Foundation
import LetheCore

/// The report's copies: counts per location and state, each copy as of the report's instant,
/// the max_age check and the sets.
extension RetentionReport {
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
        /// What `lethe verify` found wrong with it and still holds (missing, damaged, …); nil: nothing.
        public var finding: CopyFinding.Kind?
        /// When that was found.
        public var found: Date?

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

    /// One set, named as in `list sets` (`set`, `failed`).
    public struct SetEntry: Codable, Sendable, Equatable {
        /// The set id.
        public var set: SetID
        /// When it was created.
        public var created: Date
        /// Its class.
        public var `class`: RetentionClass
        /// Its state.
        public var state: SetState
        /// How many customers it holds.
        public var customers: Int
        /// How many customers were not backed up.
        public var failed: Int
        /// The policy file it was classified under (file name).
        public var policy: String
    }
}
