import Foundation
import LetheCore

extension RetentionReport {
    /// What interrupted shreds left undone: a shred killed, or stopped by an unreachable key
    /// directory, between destroying the customer key and destroying the old KEK everywhere.
    ///
    /// Until it is finished, the report says so in red (HTML), in `unfinished_shred` (JSON, and a
    /// column of the same name in CSV), on standard error, and `lethe report` exits 1. The next
    /// `lethe nightly`, `backup`, `shred` or `keys rotate` finishes it.
    public struct UnfinishedShred: Codable, Sendable, Equatable {
        /// Customer keys destroyed whose shred the ledger does not record yet: their copies are
        /// still listed live.
        public var unrecorded: [UnrecordedShred]
        /// Why the key store owes a KEK rotation (the old KEK may still exist), or nil.
        public var owedRotation: String?
        /// The ledger events of shreds not followed by a complete KEK rotation.
        public var unrotatedErasures: [Int64]
        /// What to run.
        public var fix: String
    }

    /// A customer key destroyed by a shred that stopped before recording it.
    public struct UnrecordedShred: Codable, Sendable, Equatable {
        /// The customer's pseudonym.
        public var pseudonym: Pseudonym
        /// The erasure request reference.
        public var request: String
        /// When the customer key was destroyed.
        public var shreddedAt: Date
        /// How many of their copies the catalog still lists as stored (live, pending or overdue).
        public var listedCopies: Int
    }
}
