import Foundation
import LetheCore

extension LedgerEvent {
    /// `home.created`: a home was set up.
    public struct HomeCreated: LedgerPayload {
        public static let kind = Kind.homeCreated
        /// `policy`: the policy file's name.
        public var policy: String
        /// `key_directories`: how many.
        public var keyDirectories: Int
        /// `offsite`: `none` or `s3`.
        public var offsite: String
        /// `escrow_directories`: how many (homes set up before the sealed escrow have none recorded).
        public var escrowDirectories: Int?
        /// `recovery_key`: the recovery key's fingerprint or `none` (idem).
        public var recoveryKey: String?

        /// A payload of these fields, to record.
        public init(policy: String, keyDirectories: Int, offsite: String, escrowDirectories: Int?, recoveryKey: String?) {
            (self.policy, self.keyDirectories, self.offsite, self.escrowDirectories, self.recoveryKey) =
                (policy, keyDirectories, offsite, escrowDirectories, recoveryKey)
        }
    }

    /// `set.started`: a backup set started.
    public struct SetStarted: LedgerPayload {
        public static let kind = Kind.setStarted
        /// `set`.
        public var set: SetID
        /// `class`.
        public var retentionClass: RetentionClass
        /// `customers`: how many the run will back up or refuse.
        public var customers: Int

        /// A payload of these fields, to record.
        public init(set: SetID, retentionClass: RetentionClass, customers: Int) {
            (self.set, self.retentionClass, self.customers) = (set, retentionClass, customers)
        }

        enum CodingKeys: String, CodingKey { case set, retentionClass = "class", customers }
    }

    /// `set.finished`: a backup set ended.
    public struct SetFinished: LedgerPayload {
        public static let kind = Kind.setFinished
        /// `set`.
        public var set: SetID
        /// `state`.
        public var state: SetState
        /// `committed`: customers backed up.
        public var committed: Int
        /// `failed`: customers not backed up.
        public var failed: Int

        /// A payload of these fields, to record.
        public init(set: SetID, state: SetState, committed: Int, failed: Int) {
            (self.set, self.state, self.committed, self.failed) = (set, state, committed, failed)
        }
    }

    /// `set.abandoned`: a set left running by a run that died was closed.
    public struct SetAbandoned: LedgerPayload {
        public static let kind = Kind.setAbandoned
        /// `set`.
        public var set: SetID
        /// `state`: the state it was closed in.
        public var state: SetState
        /// `committed`: archives it holds.
        public var committed: Int
        /// `reason`.
        public var reason: String

        /// A payload of these fields, to record.
        public init(set: SetID, state: SetState, committed: Int, reason: String) {
            (self.set, self.state, self.committed, self.reason) = (set, state, committed, reason)
        }
    }

    /// `backup.alias_refused`: one customer folder reachable under several names was not backed up.
    public struct BackupAliasRefused: LedgerPayload {
        public static let kind = Kind.backupAliasRefused
        /// `set`.
        public var set: SetID
        /// `names`: how many names reach the folder (the names themselves are never recorded).
        public var names: Int
        /// `pseudonyms`: those of the names that have one, comma-separated.
        public var pseudonyms: [Pseudonym]

        /// A payload of these fields, to record.
        public init(set: SetID, names: Int, pseudonyms: [Pseudonym]) {
            (self.set, self.names, self.pseudonyms) = (set, names, pseudonyms)
        }
    }

    /// `bench.copies`: a benchmark imported synthetic copies (`lethe-bench`, never a real home).
    public struct BenchCopies: LedgerPayload {
        public static let kind = Kind.benchCopies
        /// `copies`: how many.
        public var copies: Int

        /// A payload of these fields, to record.
        public init(copies: Int) { self.copies = copies }
    }
}
