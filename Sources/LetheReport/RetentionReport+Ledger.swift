import Foundation
import LetheCatalog
import LetheCore

// What the report takes from the ledger, in one place: the typed events it reads, and one small
// function per event kind turning one event into the report's value (the verify events' in
// RetentionReport+Verification.swift). (Who writes each kind:
// docs/DESIGN.md, "The ledger's events".)

extension RetentionReport {
    /// The ledger events the report reads, each list in ledger order. The report job reads them
    /// with `Catalog.events(_:)`; an event whose details do not decode stops it there
    /// (`CatalogError.invalidEvent`), so nothing here guesses a missing value.
    public struct LedgerHistory: Sendable {
        public typealias Recorded = LedgerEvent.Recorded
        /// `customer.shredded`.
        public var shreds: [Recorded<LedgerEvent.CustomerShredded>] = []
        /// `keys.rotated`.
        public var rotations: [Recorded<LedgerEvent.KeysRotated>] = []
        /// `copy.delete_failed`.
        public var deleteFailures: [Recorded<LedgerEvent.CopyDeleteFailed>] = []
        /// `copy.upload_failed`.
        public var uploadFailures: [Recorded<LedgerEvent.CopyUploadFailed>] = []
        /// `keys.expiry_destroyed`.
        public var expiryDestructions: [Recorded<LedgerEvent.KeysExpiryDestroyed>] = []
        /// `expire.finished`.
        public var expireRuns: [Recorded<LedgerEvent.ExpireFinished>] = []
        /// The last `structure.verified` (`lethe verify`), if any.
        public var lastStructureCheck: Recorded<LedgerEvent.StructureVerified>?
        /// The last `copies.verified` (`lethe verify --copies`), if any.
        public var lastCopiesCheck: Recorded<LedgerEvent.CopiesVerified>?

        /// The events of each kind the report reads.
        public init(shreds: [Recorded<LedgerEvent.CustomerShredded>] = [], rotations: [Recorded<LedgerEvent.KeysRotated>] = [],
                    deleteFailures: [Recorded<LedgerEvent.CopyDeleteFailed>] = [],
                    uploadFailures: [Recorded<LedgerEvent.CopyUploadFailed>] = [],
                    expiryDestructions: [Recorded<LedgerEvent.KeysExpiryDestroyed>] = [],
                    expireRuns: [Recorded<LedgerEvent.ExpireFinished>] = [],
                    lastStructureCheck: Recorded<LedgerEvent.StructureVerified>? = nil,
                    lastCopiesCheck: Recorded<LedgerEvent.CopiesVerified>? = nil) {
            (self.shreds, self.rotations, self.deleteFailures, self.uploadFailures, self.expiryDestructions, self.expireRuns)
                = (shreds, rotations, deleteFailures, uploadFailures, expiryDestructions, expireRuns)
            (self.lastStructureCheck, self.lastCopiesCheck) = (lastStructureCheck, lastCopiesCheck)
        }
    }

    /// A shred: who, which request, when, and the copies made unreadable per location; the
    /// rotation after it is found by the caller.
    static func erasure(_ event: LedgerEvent.Recorded<LedgerEvent.CustomerShredded>) -> Erasure {
        let shred = event.payload
        let byLocation = Location.allCases.compactMap { location in
            shred.unreadable.first { $0.location == location }.map { CopyCount(location: location, copies: $0.copies, bytes: $0.bytes) }
        }
        return Erasure(event: event.sequence, pseudonym: shred.pseudonym, request: shred.request, shreddedAt: shred.shreddedAt,
                       copies: shred.copies, byLocation: byLocation)
    }

    /// A KEK rotation: the epochs, and whether the old key was destroyed everywhere.
    static func rotation(_ event: LedgerEvent.Recorded<LedgerEvent.KeysRotated>) -> KEKRotation {
        KEKRotation(event: event.sequence, at: event.at, fromEpoch: event.payload.fromEpoch, toEpoch: event.payload.toEpoch,
                    complete: event.payload.complete)
    }

    /// A destruction of expiry keys: the delete-by dates whose copies became unreadable.
    static func expiryKeyDestruction(_ event: LedgerEvent.Recorded<LedgerEvent.KeysExpiryDestroyed>) -> ExpiryKeyDestruction {
        ExpiryKeyDestruction(at: event.at, deleteBy: event.payload.deleteBy)
    }

    /// An expire run: how it ended and its counts.
    static func expireRun(_ event: LedgerEvent.Recorded<LedgerEvent.ExpireFinished>) -> ExpireRun {
        let run = event.payload
        return ExpireRun(at: event.at, state: run.state, kept: run.kept, deleted: run.deleted, cancelled: run.cancelled,
                         failed: run.failed, keysDestroyed: run.keysDestroyed)
    }
}
