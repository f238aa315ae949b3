import Foundation
import LetheCore

extension RetentionReport {
    /// What the key store says about shreds, as the report needs it (the report job reads the
    /// key store; the report only sees this).
    public struct KeyStoreFindings: Sendable {
        /// Every shred whose customer key the key store has destroyed but not yet recorded in
        /// the catalog and ledger (a shred killed half-way), oldest first.
        public var pendingShreds: [(pseudonym: Pseudonym, request: String, shreddedAt: Date)]
        /// Why the key store owes a KEK rotation, or why it could not be checked; nil when none is owed.
        public var owedRotation: String?

        /// Findings of a key store.
        public init(pendingShreds: [(pseudonym: Pseudonym, request: String, shreddedAt: Date)], owedRotation: String?) {
            self.pendingShreds = pendingShreds
            self.owedRotation = owedRotation
        }
    }
}
