import Foundation
import LetheCore

/// The retention report for auditors (`lethe report`): what the catalog and the ledger say
/// about every copy, set and erasure at one instant, and whether the promises hold.
///
/// Built by ``ReportJob`` from the catalog, the ledger and the policy; rendered by
/// ``html()``, ``json()`` and ``csv()``. It names customers by pseudonym only: the catalog and
/// ledger it is built from hold no customer id.
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

    /// Creates a report (``ReportJob`` is the way to build one from a home).
    public init(generatedAt: Date, home: String, summary: Summary, policy: PolicySummary, ledger: LedgerSummary,
                locations: [LocationSummary], overdue: [CopyEntry], maxAge: [MaxAgeCheck], sets: [SetEntry],
                copies: [CopyEntry], erasures: [Erasure], expiryKeyDestructions: [ExpiryKeyDestruction],
                expireRuns: [ExpireRun], expireRunsTotal: Int, unfinishedShred: UnfinishedShred? = nil, signedWith: String? = nil) {
        self.generatedAt = generatedAt
        self.home = home
        self.summary = summary
        self.policy = policy
        self.ledger = ledger
        self.locations = locations
        self.overdue = overdue
        self.maxAge = maxAge
        self.sets = sets
        self.copies = copies
        self.erasures = erasures
        self.expiryKeyDestructions = expiryKeyDestructions
        self.expireRuns = expireRuns
        self.expireRunsTotal = expireRunsTotal
        self.unfinishedShred = unfinishedShred
        self.signedWith = signedWith
    }

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

        /// Creates a summary.
        public init(headline: String, copies: Int, overdueCopies: Int, maxAgeViolations: Int, ledgerIntact: Bool,
                    unfinishedShred: Bool = false, lastExpireRun: Date?, problems: [String]) {
            self.headline = headline
            self.copies = copies
            self.overdueCopies = overdueCopies
            self.maxAgeViolations = maxAgeViolations
            self.ledgerIntact = ledgerIntact
            self.unfinishedShred = unfinishedShred
            self.lastExpireRun = lastExpireRun
            self.problems = problems
        }
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
            /// `local` or `offsite`.
            public var location: String
            /// The lifetime of each class kept there, daily first; a class missing gets no copy there.
            public var lifetimes: [Lifetime]
            /// `governance`, `compliance` or `none`.
            public var objectLock: String

            /// Creates a tier summary.
            public init(location: String, lifetimes: [Lifetime], objectLock: String) {
                self.location = location
                self.lifetimes = lifetimes
                self.objectLock = objectLock
            }
        }

        /// How long one class lives at one location.
        public struct Lifetime: Codable, Sendable, Equatable {
            /// daily, weekly, monthly or yearly.
            public var `class`: String
            /// The lifetime as written (`7d`, `5w`, `6m`, `1y`).
            public var keep: String

            /// Creates a lifetime.
            public init(class: String, keep: String) {
                self.class = `class`
                self.keep = keep
            }
        }

        /// Creates a policy summary.
        public init(name: String, file: String, timeZone: String, maxAge: String, locations: [Tier]) {
            self.name = name
            self.file = file
            self.timeZone = timeZone
            self.maxAge = maxAge
            self.locations = locations
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

        /// Creates a ledger summary.
        public init(intact: Bool, events: Int, firstBrokenEvent: Int64?, problem: String?, headSequence: Int64?,
                    headHash: String?, headAt: Date?) {
            self.intact = intact
            self.events = events
            self.firstBrokenEvent = firstBrokenEvent
            self.problem = problem
            self.headSequence = headSequence
            self.headHash = headHash
            self.headAt = headAt
        }
    }

    /// How many copies, and how many bytes, one location holds in one state.
    public struct StateCount: Codable, Sendable, Equatable {
        /// live, pending, overdue, deleted or shredded.
        public var state: String
        /// How many copies.
        public var copies: Int
        /// Their recorded size (deleted and shredded copies keep the size they had).
        public var bytes: Int64

        /// Creates a count.
        public init(state: String, copies: Int, bytes: Int64) {
            self.state = state
            self.copies = copies
            self.bytes = bytes
        }
    }

    /// One location's copies by state.
    public struct LocationSummary: Codable, Sendable, Equatable {
        /// `local` or `offsite`.
        public var location: String
        /// Whether the policy keeps copies there.
        public var inPolicy: Bool
        /// One count per state, in the order live, pending, overdue, deleted, shredded.
        public var states: [StateCount]

        /// Creates a location summary.
        public init(location: String, inPolicy: Bool, states: [StateCount]) {
            self.location = location
            self.inPolicy = inPolicy
            self.states = states
        }

        /// The count for `state` (zero if absent).
        public func count(_ state: CopyState) -> StateCount {
            states.first { $0.state == state.rawValue } ?? StateCount(state: state.rawValue, copies: 0, bytes: 0)
        }
    }

    /// One copy, with its state as of the report's instant.
    public struct CopyEntry: Codable, Sendable, Equatable {
        /// The customer's pseudonym.
        public var pseudonym: String
        /// The set id.
        public var set: String
        /// The set's class.
        public var `class`: String
        /// `local` or `offsite`.
        public var location: String
        /// The copy's name in its store.
        public var objectKey: String
        /// When its set was created.
        public var created: Date
        /// Its delete-by, fixed when it was written.
        public var deleteBy: Date
        /// live, pending, overdue, deleted or shredded (overdue: past its delete-by and not yet
        /// deleted, or pending past its date).
        public var state: String
        /// The recorded size.
        public var bytes: Int64
        /// How long past its delete-by, in seconds, when overdue.
        public var overdueSeconds: Int64?
        /// The last recorded reason it could not be deleted (or uploaded, for a pending copy).
        public var lastFailure: String?
        /// When that failure was recorded.
        public var lastFailureAt: Date?
        /// Set while a shred of its customer is unfinished: `unrecorded` (their key is destroyed
        /// but the shred is not recorded, so the copy is still listed live) or `rotation_owed`
        /// (recorded, but no complete KEK rotation followed: a key-store copy taken before the
        /// shred could still open it).
        public var unfinishedShred: String?

        /// Creates a copy entry.
        public init(pseudonym: String, set: String, class: String, location: String, objectKey: String, created: Date,
                    deleteBy: Date, state: String, bytes: Int64, overdueSeconds: Int64?, lastFailure: String?,
                    lastFailureAt: Date?, unfinishedShred: String? = nil) {
            self.pseudonym = pseudonym
            self.set = set
            self.class = `class`
            self.location = location
            self.objectKey = objectKey
            self.created = created
            self.deleteBy = deleteBy
            self.state = state
            self.bytes = bytes
            self.overdueSeconds = overdueSeconds
            self.lastFailure = lastFailure
            self.lastFailureAt = lastFailureAt
            self.unfinishedShred = unfinishedShred
        }

        /// Whether the copy is overdue: still stored past its delete-by (an overdue copy, or a
        /// shredded one not yet deleted, which keeps the state `shredded`).
        public var isOverdue: Bool { overdueSeconds != nil }
    }

    /// The `max_age` promise at one location: the oldest copy still stored there.
    public struct MaxAgeCheck: Codable, Sendable, Equatable {
        /// `local` or `offsite`.
        public var location: String
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

        /// Creates a check.
        public init(location: String, oldest: CopyEntry?, ageSeconds: Int64?, latestAllowed: Date?, marginSeconds: Int64?,
                    violations: Int) {
            self.location = location
            self.oldest = oldest
            self.ageSeconds = ageSeconds
            self.latestAllowed = latestAllowed
            self.marginSeconds = marginSeconds
            self.violations = violations
        }
    }

    /// One set.
    public struct SetEntry: Codable, Sendable, Equatable {
        /// The set id.
        public var id: String
        /// When it was created.
        public var created: Date
        /// daily, weekly, monthly or yearly.
        public var `class`: String
        /// running, complete, partial or failed.
        public var state: String
        /// How many customers it holds.
        public var customers: Int
        /// How many customers failed.
        public var failures: Int
        /// The policy file it was classified under (file name).
        public var policy: String

        /// Creates a set entry.
        public init(id: String, created: Date, class: String, state: String, customers: Int, failures: Int, policy: String) {
            self.id = id
            self.created = created
            self.class = `class`
            self.state = state
            self.customers = customers
            self.failures = failures
            self.policy = policy
        }
    }

    /// One crypto-shred, as the ledger records it (pseudonym and request reference, never a
    /// customer id).
    public struct Erasure: Codable, Sendable, Equatable {
        /// The ledger event that records it.
        public var event: Int64
        /// The shredded customer's pseudonym.
        public var pseudonym: String
        /// The erasure request reference.
        public var request: String
        /// When the customer key was destroyed.
        public var shreddedAt: Date
        /// How many copies were made unreadable.
        public var copies: Int
        /// Those copies per location.
        public var byLocation: [ErasedCopies]
        /// The first complete key-encryption-key rotation after the shred, which made stale
        /// key-store copies inert; else the first incomplete one (`complete` false: the old key
        /// survived in a key directory); nil: none recorded yet. Either way short of a complete
        /// one, the shred is not finished.
        public var kekRotation: KEKRotation?

        /// Creates an erasure.
        public init(event: Int64, pseudonym: String, request: String, shreddedAt: Date, copies: Int,
                    byLocation: [ErasedCopies], kekRotation: KEKRotation?) {
            self.event = event
            self.pseudonym = pseudonym
            self.request = request
            self.shreddedAt = shreddedAt
            self.copies = copies
            self.byLocation = byLocation
            self.kekRotation = kekRotation
        }
    }

    /// The copies one shred made unreadable at one location.
    public struct ErasedCopies: Codable, Sendable, Equatable {
        /// `local` or `offsite`.
        public var location: String
        /// How many copies.
        public var copies: Int
        /// Their size.
        public var bytes: Int64

        /// Creates a count.
        public init(location: String, copies: Int, bytes: Int64) {
            self.location = location
            self.copies = copies
            self.bytes = bytes
        }
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

        /// Creates a rotation.
        public init(event: Int64, at: Date, fromEpoch: Int, toEpoch: Int, complete: Bool) {
            self.event = event
            self.at = at
            self.fromEpoch = fromEpoch
            self.toEpoch = toEpoch
            self.complete = complete
        }
    }

    /// One destruction of expiry keys: every copy due on those dates became unreadable.
    public struct ExpiryKeyDestruction: Codable, Sendable, Equatable {
        /// When the keys were destroyed.
        public var at: Date
        /// The delete-by dates whose keys were destroyed.
        public var deleteBy: [Date]

        /// Creates a destruction.
        public init(at: Date, deleteBy: [Date]) {
            self.at = at
            self.deleteBy = deleteBy
        }
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

        /// Creates a run.
        public init(at: Date, state: String, kept: Int, deleted: Int, cancelled: Int, failed: Int, keysDestroyed: Int) {
            self.at = at
            self.state = state
            self.kept = kept
            self.deleted = deleted
            self.cancelled = cancelled
            self.failed = failed
            self.keysDestroyed = keysDestroyed
        }
    }
}

/// The formats `lethe report` writes.
public enum ReportFormat: String, Sendable, Codable, CaseIterable {
    /// One self-contained HTML page, for people.
    case html
    /// The whole model, for tools.
    case json
    /// One row per copy, for spreadsheets.
    case csv
}

extension RetentionReport {
    /// The report in `format`.
    public func rendered(as format: ReportFormat) -> String {
        switch format {
        case .html: return html()
        case .json: return json()
        case .csv: return csv()
        }
    }

    /// The report for tools: the whole model, pretty-printed, keys sorted and in snake case,
    /// dates as ISO 8601 UTC. Stable for golden files; ``decode(json:)`` reads it back.
    public func json() -> String {
        let encoder = LetheJSON.encoder
        // Strings, numbers, booleans and arrays cannot fail to encode.
        return String(decoding: try! encoder.encode(self), as: UTF8.self) + "\n"
    }

    /// Reads a report written by ``json()``.
    ///
    /// - Throws: `DecodingError` if the text is not such a report.
    public static func decode(json: Data) throws -> RetentionReport {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not an ISO 8601 date")
            }
            return date
        }
        return try decoder.decode(RetentionReport.self, from: json)
    }
}
