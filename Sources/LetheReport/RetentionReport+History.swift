import Foundation
import LetheCore

/// What the ledger recorded that the report lists: erasures and the key-encryption-key rotations
/// after them, expiry-key destructions and expire runs (read in RetentionReport+Ledger.swift).
extension RetentionReport {
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
