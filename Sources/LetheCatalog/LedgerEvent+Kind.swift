import Foundation

extension LedgerEvent {
    /// What an event records: its kind, stored as text ("customer.shredded").
    ///
    /// Every kind Lethe writes is a constant here, and each has one payload type
    /// (``LedgerPayload``, listed in ``LedgerEvent/payloadTypes``) that its writer builds and
    /// its readers decode; `docs/DESIGN.md` ("The ledger's events") says which file writes and
    /// which reads each. A ledger may hold other kinds (tests, imports): they are kept, verified
    /// and listed like any other, but nothing decodes them.
    public struct Kind: RawRepresentable, Hashable, Sendable, Codable, Comparable, ExpressibleByStringLiteral, CustomStringConvertible {
        /// The stored text.
        public let rawValue: String

        /// A kind by its stored text.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// A kind by its stored text, written as a literal.
        public init(stringLiteral value: String) { self.init(rawValue: value) }

        /// Encoded as its text alone.
        public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }

        /// Encoded as its text alone.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }

        public var description: String { rawValue }

        public static func < (a: Kind, b: Kind) -> Bool { a.rawValue < b.rawValue }

        // Home and sets.
        /// A home was set up (`HomeSetup`).
        public static let homeCreated: Kind = "home.created"
        /// A backup set started (`BackupJob`).
        public static let setStarted: Kind = "set.started"
        /// A backup set ended (`BackupJob`).
        public static let setFinished: Kind = "set.finished"
        /// A set left running by a run that died was closed (`Maintenance`).
        public static let setAbandoned: Kind = "set.abandoned"
        /// Customer folders reachable under several names were not backed up (`BackupJob+Selection`).
        public static let backupAliasRefused: Kind = "backup.alias_refused"

        // Copies.
        /// A copy was stored and recorded live (`BackupJob` locally, `OffsiteCopier` offsite).
        public static let copyWritten: Kind = "copy.written"
        /// An offsite copy was recorded pending, before its upload (`OffsiteCopier`).
        public static let copyPlanned: Kind = "copy.planned"
        /// A copy written while its customer was being shredded was thrown away (`BackupJob`, `OffsiteCopier`).
        public static let copyDiscarded: Kind = "copy.discarded"
        /// An offsite upload failed; the copy stays pending (`OffsiteCopier`).
        public static let copyUploadFailed: Kind = "copy.upload_failed"
        /// An object found at a pending copy's key did not read back authentic (`OffsiteCopier`).
        public static let copyAdoptionRefused: Kind = "copy.adoption_refused"
        /// A pending copy was given up, never uploaded (`ExpireJob`, `OffsiteCopier`).
        public static let copyCancelled: Kind = "copy.cancelled"
        /// A pending copy could not be given up (`ExpireJob`, `OffsiteCopier`).
        public static let copyCancelFailed: Kind = "copy.cancel_failed"
        /// A copy past its delete-by was deleted and confirmed gone (`ExpireJob`).
        public static let copyDeleted: Kind = "copy.deleted"
        /// A copy past its delete-by could not be deleted (`ExpireJob`).
        public static let copyDeleteFailed: Kind = "copy.delete_failed"
        /// Multipart uploads left by a run that died were aborted (`Maintenance`).
        public static let storeUploadsAborted: Kind = "store.uploads_aborted"

        // Runs and checks.
        /// An expire run ended (`ExpireJob`).
        public static let expireFinished: Kind = "expire.finished"
        /// `lethe verify --copies` read copies back (`CopyVerification`).
        public static let copiesVerified: Kind = "copies.verified"
        /// `lethe verify` compared the catalog with the stores (`StructureVerification`).
        public static let structureVerified: Kind = "structure.verified"
        /// `lethe verify --ledger` recomputed the hash chain (`LedgerCheck`).
        public static let ledgerVerified: Kind = "ledger.verified"
        /// A retention report was generated (`ReportJob`).
        public static let reportGenerated: Kind = "report.generated"
        /// A benchmark imported synthetic copies (`lethe-bench`).
        public static let benchCopies: Kind = "bench.copies"

        // Customers.
        /// A customer's key was destroyed and their copies marked shredded (`KeyMaintenance`).
        public static let customerShredded: Kind = "customer.shredded"
        /// A customer never backed up was erased: a tombstone only (`ShredJob`).
        public static let customerErasedBeforeBackup: Kind = "customer.erased_before_backup"
        /// A customer's data was exported (`ExportJob`).
        public static let customerExported: Kind = "customer.exported"

        // Keys.
        /// The key-encryption key was rotated (`KeyMaintenance`).
        public static let keysRotated: Kind = "keys.rotated"
        /// Expiry keys of passed delete-by dates were destroyed (`ExpireJob`).
        public static let keysExpiryDestroyed: Kind = "keys.expiry_destroyed"
        /// Key directories were restored from an escrow (`KeyRecovery`).
        public static let keysRecovered: Kind = "keys.recovered"
        /// The current key-encryption key was printed raw (`KeysJob`).
        public static let keysEscrowRaw: Kind = "keys.escrow_raw"
        /// What earlier versions recorded for a raw escrow; read, no longer written.
        public static let keysEscrowed: Kind = "keys.escrowed"
        /// The operator stated that a raw escrow was destroyed (`KeysJob`).
        public static let keysEscrowRawDestroyed: Kind = "keys.escrow_raw_destroyed"
        /// A run caught up the offsite epoch witness a rotation left owed (`OffsiteEpochWitness`).
        public static let keysOffsiteWitnessRecorded: Kind = "keys.offsite_witness_recorded"
    }
}
