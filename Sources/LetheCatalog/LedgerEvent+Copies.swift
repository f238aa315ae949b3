import Foundation
import LetheCore

extension LedgerEvent {
    /// The facts about one copy that every `copy.*` event carries: a group of fields stored
    /// beside the event's own (a payload's `copy`, ``FlatDetailsEncoder``).
    ///
    /// Two writers fill it differently: events about a catalog row written by the backup and the
    /// offsite copier name the archive (`CopyFacts(_:)` of the copy's row); events about an
    /// expiry decision name the row (`copy`) and the plan's reasons. A copy discarded by a local
    /// backup names neither key nor date.
    public struct CopyFacts: Sendable, Equatable, Codable {
        /// `pseudonym`.
        public var pseudonym: Pseudonym
        /// `set`.
        public var set: SetID
        /// `location`.
        public var location: Location
        /// `copy`: the catalog row (expiry's events).
        public var copyID: Int64?
        /// `archive` (the backup's and the offsite copier's events).
        public var archive: ArchiveID?
        /// `object_key`.
        public var objectKey: ObjectKey?
        /// `delete_by`.
        public var deleteBy: Date?
        /// `class`.
        public var retentionClass: RetentionClass?
        /// `reasons`: the retention plan's reasons, `; `-separated (expiry's events).
        public var reasons: String?

        /// Facts with every field given.
        public init(pseudonym: Pseudonym, set: SetID, location: Location, copyID: Int64? = nil, archive: ArchiveID? = nil,
                    objectKey: ObjectKey? = nil, deleteBy: Date? = nil, retentionClass: RetentionClass? = nil, reasons: String? = nil) {
            (self.pseudonym, self.set, self.location, self.copyID, self.archive, self.objectKey, self.deleteBy, self.retentionClass, self.reasons) =
                (pseudonym, set, location, copyID, archive, objectKey, deleteBy, retentionClass, reasons)
        }

        /// The facts of a copy's row as the backup and the offsite copier record them: pseudonym,
        /// set, archive, location, object key, delete-by and class.
        public init(_ copy: CopyRecord) {
            self.init(pseudonym: copy.pseudonym, set: copy.setID, location: copy.location, archive: copy.archiveID,
                      objectKey: copy.objectKey, deleteBy: copy.deleteBy, retentionClass: copy.retentionClass)
        }

        enum CodingKeys: String, CodingKey {
            case pseudonym, set, location, copyID = "copy", archive, objectKey, deleteBy, retentionClass = "class", reasons
        }
    }

    /// `copy.written`: a copy is stored and recorded live.
    public struct CopyWritten: LedgerPayload {
        public static let kind = Kind.copyWritten
        /// The copy it is about.
        public var copy: CopyFacts
        /// `bytes`: its stored size.
        public var bytes: Int64
        /// `data_key`: `fresh` (local copies: the archive's new data key).
        public var dataKey: String?
        /// `version`: the store's version id, `-` for none (offsite copies).
        public var version: String?
        /// `locked_until`: the object lock's end (ISO 8601), `-` for none (offsite copies).
        public var lockedUntil: String?
        /// `unreadable_skipped`: how many files and folders the backup left out because they could
        /// not be read (`--skip-unreadable`); absent when none were. Their paths are only in the
        /// archive's own encrypted manifest: the ledger outlives a shred, so it never holds one.
        public var unreadableSkipped: Int?

        /// A payload of these fields, to record.
        public init(copy: CopyFacts, bytes: Int64, dataKey: String? = nil, version: String? = nil, lockedUntil: String? = nil,
                    unreadableSkipped: Int? = nil) {
            (self.copy, self.bytes, self.dataKey, self.version, self.lockedUntil, self.unreadableSkipped) =
                (copy, bytes, dataKey, version, lockedUntil, unreadableSkipped)
        }
    }

    /// `copy.planned`: an offsite copy is recorded pending, before its upload.
    public struct CopyPlanned: LedgerPayload {
        public static let kind = Kind.copyPlanned
        /// The copy it is about.
        public var copy: CopyFacts

        /// A payload of these fields, to record.
        public init(copy: CopyFacts) { self.copy = copy }
    }

    /// `copy.discarded`: a copy written while its customer was shredded was thrown away.
    public struct CopyDiscarded: LedgerPayload {
        public static let kind = Kind.copyDiscarded
        /// The copy it is about.
        public var copy: CopyFacts
        /// `reason`.
        public var reason: String
        /// `result`: what became of the upload (offsite copies).
        public var result: String?
        /// `version`: the upload's version id, `-` for none (offsite copies).
        public var version: String?

        /// A payload of these fields, to record.
        public init(copy: CopyFacts, reason: String, result: String? = nil, version: String? = nil) {
            (self.copy, self.reason, self.result, self.version) = (copy, reason, result, version)
        }
    }

    /// `copy.upload_failed`: an offsite upload failed (or was not attempted); the copy stays pending.
    public struct CopyUploadFailed: LedgerPayload {
        public static let kind = Kind.copyUploadFailed
        /// The copy it is about.
        public var copy: CopyFacts
        /// `error`.
        public var error: String

        /// A payload of these fields, to record.
        public init(copy: CopyFacts, error: String) { (self.copy, self.error) = (copy, error) }
    }

    /// `copy.adoption_refused`: what was found at a pending copy's key did not read back authentic.
    public struct CopyAdoptionRefused: LedgerPayload {
        public static let kind = Kind.copyAdoptionRefused
        /// The copy it is about.
        public var copy: CopyFacts
        /// `error`: why it was not adopted.
        public var error: String

        /// A payload of these fields, to record.
        public init(copy: CopyFacts, error: String) { (self.copy, self.error) = (copy, error) }
    }

    /// `copy.cancelled`: a pending copy was given up, never uploaded, and marked deleted.
    public struct CopyCancelled: LedgerPayload {
        public static let kind = Kind.copyCancelled
        /// The copy it is about.
        public var copy: CopyFacts
        /// `result`.
        public var result: String
        /// `reason` (the offsite copier's events).
        public var reason: String?

        /// A payload of these fields, to record.
        public init(copy: CopyFacts, result: String, reason: String? = nil) { (self.copy, self.result, self.reason) = (copy, result, reason) }
    }

    /// `copy.cancel_failed`: a pending copy could not be given up; it stays pending.
    public struct CopyCancelFailed: LedgerPayload {
        public static let kind = Kind.copyCancelFailed
        /// The copy it is about.
        public var copy: CopyFacts
        /// `error`.
        public var error: String
        /// `result` (expiry's events).
        public var result: String?

        /// A payload of these fields, to record.
        public init(copy: CopyFacts, error: String, result: String? = nil) { (self.copy, self.error, self.result) = (copy, error, result) }
    }

    /// `copy.deleted`: a copy past its delete-by was deleted from its store and confirmed gone.
    public struct CopyDeleted: LedgerPayload {
        public static let kind = Kind.copyDeleted
        /// The copy it is about.
        public var copy: CopyFacts
        /// `result`.
        public var result: String
        /// `note`: when nothing was stored any more.
        public var note: String?

        /// A payload of these fields, to record.
        public init(copy: CopyFacts, result: String, note: String? = nil) { (self.copy, self.result, self.note) = (copy, result, note) }
    }

    /// `copy.delete_failed`: a copy past its delete-by could not be deleted; it stays overdue.
    public struct CopyDeleteFailed: LedgerPayload {
        public static let kind = Kind.copyDeleteFailed
        /// The copy it is about.
        public var copy: CopyFacts
        /// `error`.
        public var error: String
        /// `result`: what the copy is left as.
        public var result: String

        /// A payload of these fields, to record.
        public init(copy: CopyFacts, error: String, result: String) { (self.copy, self.error, self.result) = (copy, error, result) }
    }

    /// `store.uploads_aborted`: multipart uploads a dead run left in the offsite store were aborted.
    public struct StoreUploadsAborted: LedgerPayload {
        public static let kind = Kind.storeUploadsAborted
        /// `location`.
        public var location: Location
        /// `count`.
        public var count: Int
        /// `object_keys`: the uploads' keys, space-separated.
        @SpaceSeparated public var objectKeys: [String]
        /// `reason`.
        public var reason: String

        /// A payload of these fields, to record.
        public init(location: Location, count: Int, objectKeys: [String], reason: String) {
            (self.location, self.count, self.objectKeys, self.reason) = (location, count, objectKeys, reason)
        }
    }
}
