import Foundation
import LetheCore

extension LedgerEvent {
    /// `customer.shredded`: a customer's key was destroyed and their copies marked shredded.
    public struct CustomerShredded: LedgerPayload {
        public static let kind = Kind.customerShredded
        /// `pseudonym`.
        public var pseudonym: Pseudonym
        /// `request`: the erasure request's reference.
        public var request: String
        /// `shredded_at`: when the key was destroyed.
        public var shreddedAt: Date
        /// `destroyed_key`: the destroyed customer key's id.
        public var destroyedKey: String
        /// `copies`: copies made unreadable.
        public var copies: Int
        /// `copies.<location>`, `bytes.<location>`, `delete_by.<location>`: per location with copies.
        @ByLocation public var unreadable: [Unreadable]

        /// The copies one location held, by delete-by date.
        public struct Unreadable: Sendable, Equatable {
            public var location: Location
            public var copies: Int
            public var bytes: Int64
            /// Earliest first, stored as `DATE=COUNT,…`.
            public var deleteBy: [DueDate]

            /// One location's counts.
            public init(location: Location, copies: Int, bytes: Int64, deleteBy: [DueDate]) {
                (self.location, self.copies, self.bytes, self.deleteBy) = (location, copies, bytes, deleteBy)
            }

            /// Groups copies by location (in the order of their names), then by delete-by date.
            public static func summarise(_ records: [CopyRecord]) -> [Unreadable] {
                Dictionary(grouping: records, by: \.location).sorted { $0.key.rawValue < $1.key.rawValue }.map { location, copies in
                    let dates = Dictionary(grouping: copies, by: \.deleteBy).sorted { $0.key < $1.key }
                        .map { DueDate(deleteBy: $0.key, copies: $0.value.count) }
                    return Unreadable(location: location, copies: copies.count, bytes: copies.reduce(0) { $0 + $1.bytes }, deleteBy: dates)
                }
            }
        }

        /// One delete-by date and how many copies carry it, stored as `DATE=COUNT`.
        public struct DueDate: Sendable, Equatable, Codable, LosslessStringConvertible {
            public var deleteBy: Date
            public var copies: Int

            /// One date's count.
            public init(deleteBy: Date, copies: Int) {
                (self.deleteBy, self.copies) = (deleteBy, copies)
            }

            /// The date and count of a stored `DATE=COUNT`, nil for another text.
            public init?(_ text: String) {
                guard let mark = text.lastIndex(of: "="), let date = Timestamp.parse(String(text[..<mark])),
                      let copies = Int(String(text[text.index(after: mark)...])) else { return nil }
                self.init(deleteBy: date, copies: copies)
            }

            /// `DATE=COUNT`, as stored.
            public var description: String { "\(Timestamp.iso(deleteBy))=\(copies)" }
        }

        /// The locations' counts, stored as `copies.<location>`, `bytes.<location>` and
        /// `delete_by.<location>` beside the payload's other fields (locations without copies
        /// have none).
        @propertyWrapper
        public struct ByLocation: Codable, Sendable, Equatable {
            /// The value the field holds.
            public var wrappedValue: [Unreadable]

            /// Wraps `wrappedValue`.
            public init(wrappedValue: [Unreadable]) { self.wrappedValue = wrappedValue }

            /// Reads every location that has a `copies.<location>`, in the order of their names.
            public init(from decoder: any Decoder) throws {
                let fields = try decoder.container(keyedBy: FlatKey.self)
                wrappedValue = try Location.allCases.sorted { $0.rawValue < $1.rawValue }.compactMap { location in
                    func key(_ name: String) -> FlatKey { FlatKey("\(name).\(location.rawValue)") }
                    guard let copies = try fields.decodeIfPresent(Int.self, forKey: key("copies")) else { return nil }
                    return Unreadable(location: location, copies: copies, bytes: try fields.decode(Int64.self, forKey: key("bytes")),
                                      deleteBy: try fields.decode([DueDate].self, forKey: key("delete_by")))
                }
            }

            /// Writes each location's three keys.
            public func encode(to encoder: any Encoder) throws {
                var fields = encoder.container(keyedBy: FlatKey.self)
                for group in wrappedValue {
                    func key(_ name: String) -> FlatKey { FlatKey("\(name).\(group.location.rawValue)") }
                    try fields.encode(group.copies, forKey: key("copies"))
                    try fields.encode(group.bytes, forKey: key("bytes"))
                    try fields.encode(group.deleteBy, forKey: key("delete_by"))
                }
            }
        }

        /// A payload of these fields, to record.
        public init(pseudonym: Pseudonym, request: String, shreddedAt: Date, destroyedKey: String, copies: Int, unreadable: [Unreadable]) {
            (self.pseudonym, self.request, self.shreddedAt, self.destroyedKey, self.copies, self.unreadable) =
                (pseudonym, request, shreddedAt, destroyedKey, copies, unreadable)
        }
    }

    /// `customer.erased_before_backup`: a customer never backed up was erased (a tombstone; no pseudonym).
    public struct CustomerErasedBeforeBackup: LedgerPayload {
        public static let kind = Kind.customerErasedBeforeBackup
        /// `request`.
        public var request: String
        /// `shredded_at`.
        public var shreddedAt: Date
        /// `result`.
        public var result: String

        /// A payload of these fields, to record.
        public init(request: String, shreddedAt: Date, result: String) {
            (self.request, self.shreddedAt, self.result) = (request, shreddedAt, result)
        }
    }

    /// `customer.exported`: a customer's data was exported as a standard archive.
    public struct CustomerExported: LedgerPayload {
        public static let kind = Kind.customerExported
        /// `pseudonym`, `set`, `location`: the copy read.
        public var pseudonym: Pseudonym
        public var set: SetID
        public var location: Location
        /// `format`: `tar` or `zip`.
        public var format: String
        /// `bytes`: the export's size.
        public var bytes: Int64

        /// A payload of these fields, to record.
        public init(pseudonym: Pseudonym, set: SetID, location: Location, format: String, bytes: Int64) {
            (self.pseudonym, self.set, self.location, self.format, self.bytes) = (pseudonym, set, location, format, bytes)
        }
    }

    /// What one key-encryption-key rotation did, as the key store reports it: the ledger's
    /// `keys.rotated` records it (a group beside the event's own fields) and the receipts of
    /// `shred` and `keys rotate` show it (`RotationSummary`).
    public struct RotationFacts: Sendable, Equatable, Codable {
        /// `from_epoch`, `to_epoch`.
        public var fromEpoch: Int
        public var toEpoch: Int
        /// `kek_id`: the new key-encryption key's id.
        public var kekID: String
        /// `rewrapped_keys`.
        public var rewrappedKeys: Int
        /// `destroyed_epochs`: comma-separated.
        public var destroyedEpochs: [Int]
        /// `key_directories`: how many.
        public var keyDirectories: Int

        /// Facts with every field given.
        public init(fromEpoch: Int, toEpoch: Int, kekID: String, rewrappedKeys: Int, destroyedEpochs: [Int], keyDirectories: Int) {
            (self.fromEpoch, self.toEpoch, self.kekID, self.rewrappedKeys, self.destroyedEpochs, self.keyDirectories) =
                (fromEpoch, toEpoch, kekID, rewrappedKeys, destroyedEpochs, keyDirectories)
        }
    }

    /// `keys.rotated`: the key-encryption key was rotated. Its ``RotationFacts`` read as its
    /// own fields (`payload.toEpoch`).
    @dynamicMemberLookup
    public struct KeysRotated: LedgerPayload {
        public static let kind = Kind.keysRotated
        /// Whether the offsite store holds the new epoch (`offsite_witness`).
        public enum OffsiteWitness: String, Sendable, Codable {
            case recorded, owed
        }

        /// What the rotation did.
        public var rotation: RotationFacts
        /// `reason`.
        public var reason: String
        /// `complete`: `yes` when the old key-encryption key is gone from every key directory.
        @YesNo public var complete: Bool
        /// `escrow`: where the new key was escrowed.
        public var escrow: String
        /// `unrecorded_epochs`: epochs a run rotated to without recording it, if any.
        public var unrecordedEpochs: String?
        /// `offsite_witness`: nil without an offsite store.
        public var offsiteWitness: OffsiteWitness?

        /// A payload of these fields, to record.
        public init(rotation: RotationFacts, reason: String, complete: Bool, escrow: String, unrecordedEpochs: String?,
                    offsiteWitness: OffsiteWitness?) {
            (self.rotation, self.reason, self.complete, self.escrow, self.unrecordedEpochs, self.offsiteWitness) =
                (rotation, reason, complete, escrow, unrecordedEpochs, offsiteWitness)
        }

        /// A fact of the rotation (`fromEpoch`, `toEpoch`, …).
        public subscript<Value>(dynamicMember fact: KeyPath<RotationFacts, Value>) -> Value { rotation[keyPath: fact] }
    }

    /// `keys.expiry_destroyed`: the expiry keys of passed delete-by dates were destroyed.
    public struct KeysExpiryDestroyed: LedgerPayload {
        public static let kind = Kind.keysExpiryDestroyed
        /// `delete_by`: the dates, comma-separated.
        public var deleteBy: [Date]
        /// `count`.
        public var count: Int

        /// A payload of these fields, to record.
        public init(deleteBy: [Date], count: Int) {
            (self.deleteBy, self.count) = (deleteBy, count)
        }
    }

    /// `keys.recovered`: key directories were restored from an escrow.
    public struct KeysRecovered: LedgerPayload {
        public static let kind = Kind.keysRecovered
        /// `epoch`, `kek_id`: the key restored.
        public var epoch: Int
        public var kekID: String
        /// `source`: `raw escrow`, `sealed escrow file`, … (recoveries of earlier versions did not say).
        public var source: String?
        /// `directories_restored`.
        public var directoriesRestored: Int
        /// `escrow_directories_restored` (idem).
        public var escrowDirectoriesRestored: Int?
        /// `keys_verified`: stored keys the restored key opened.
        public var keysVerified: Int
        /// `accepted_epoch`: the epoch the operator accepted by name, when nothing witnessed one.
        public var acceptedEpoch: Int?

        /// A payload of these fields, to record.
        public init(epoch: Int, kekID: String, source: String?, directoriesRestored: Int, escrowDirectoriesRestored: Int?,
                    keysVerified: Int, acceptedEpoch: Int?) {
            (self.epoch, self.kekID, self.source, self.directoriesRestored, self.escrowDirectoriesRestored, self.keysVerified, self.acceptedEpoch) =
                (epoch, kekID, source, directoriesRestored, escrowDirectoriesRestored, keysVerified, acceptedEpoch)
        }
    }

    /// `keys.escrow_raw` (earlier `keys.escrowed`): the current key-encryption key was printed raw.
    public struct KeysEscrowRaw: LedgerPayload {
        public static let kind = Kind.keysEscrowRaw
        public static let formerKinds = [Kind.keysEscrowed]
        /// `epoch`, `kek_id`: which key (its fingerprint, never its bytes).
        public var epoch: Int
        public var kekID: String

        /// A payload of these fields, to record.
        public init(epoch: Int, kekID: String) {
            (self.epoch, self.kekID) = (epoch, kekID)
        }
    }

    /// `keys.escrow_raw_destroyed`: the operator stated that the raw escrow of an epoch was destroyed.
    public struct KeysEscrowRawDestroyed: LedgerPayload {
        public static let kind = Kind.keysEscrowRawDestroyed
        /// `epoch`.
        public var epoch: Int

        /// A payload of these fields, to record.
        public init(epoch: Int) { self.epoch = epoch }
    }

    /// `keys.offsite_witness_recorded`: a run caught up the offsite epoch witness a rotation left owed.
    public struct KeysOffsiteWitnessRecorded: LedgerPayload {
        public static let kind = Kind.keysOffsiteWitnessRecorded
        /// `epoch`: the epoch the store holds now.
        public var epoch: Int

        /// A payload of these fields, to record.
        public init(epoch: Int) { self.epoch = epoch }
    }
}
