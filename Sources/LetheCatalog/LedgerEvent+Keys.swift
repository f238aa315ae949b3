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
        public var unreadable: [Unreadable]

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

        /// One delete-by date and how many copies carry it.
        public struct DueDate: Sendable, Equatable {
            public var deleteBy: Date
            public var copies: Int

            /// One date's count.
            public init(deleteBy: Date, copies: Int) {
                (self.deleteBy, self.copies) = (deleteBy, copies)
            }

            init?(_ text: String) {
                guard let mark = text.lastIndex(of: "="), let date = FlatDetails.date(String(text[..<mark])),
                      let copies = FlatDetails.int(String(text[text.index(after: mark)...])) else { return nil }
                self.init(deleteBy: date, copies: copies)
            }

            var text: String { "\(Timestamp.iso(deleteBy))=\(copies)" }
        }

        /// A payload of these fields, to record.
        public init(pseudonym: Pseudonym, request: String, shreddedAt: Date, destroyedKey: String, copies: Int, unreadable: [Unreadable]) {
            (self.pseudonym, self.request, self.shreddedAt, self.destroyedKey, self.copies, self.unreadable) =
                (pseudonym, request, shreddedAt, destroyedKey, copies, unreadable)
        }

        public init(details: [String: String]) throws {
            let read = FlatDetails(details, kind: Self.kind)
            pseudonym = Pseudonym(try read.text("pseudonym"))
            request = try read.text("request")
            shreddedAt = try read.value("shredded_at", FlatDetails.date)
            destroyedKey = try read.text("destroyed_key")
            copies = try read.value("copies", FlatDetails.int)
            unreadable = try Location.allCases.sorted { $0.rawValue < $1.rawValue }.compactMap { location in
                guard let copies = try read.optional("copies.\(location.rawValue)", FlatDetails.int) else { return nil }
                return Unreadable(location: location, copies: copies, bytes: try read.value("bytes.\(location.rawValue)", FlatDetails.int64),
                                  deleteBy: try read.list("delete_by.\(location.rawValue)", separator: ",", DueDate.init))
            }
        }

        public var details: [String: String] {
            var details = ["pseudonym": pseudonym.rawValue, "request": request, "shredded_at": Timestamp.iso(shreddedAt),
                           "destroyed_key": destroyedKey, "copies": String(copies)]
            for location in unreadable {
                details["copies.\(location.location.rawValue)"] = String(location.copies)
                details["bytes.\(location.location.rawValue)"] = String(location.bytes)
                details["delete_by.\(location.location.rawValue)"] = location.deleteBy.map(\.text).joined(separator: ",")
            }
            return details
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

        public init(details: [String: String]) throws {
            let read = FlatDetails(details, kind: Self.kind)
            request = try read.text("request")
            shreddedAt = try read.value("shredded_at", FlatDetails.date)
            result = try read.text("result")
        }

        public var details: [String: String] { ["request": request, "shredded_at": Timestamp.iso(shreddedAt), "result": result] }
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

        public init(details: [String: String]) throws {
            let read = FlatDetails(details, kind: Self.kind)
            pseudonym = Pseudonym(try read.text("pseudonym"))
            set = SetID(try read.text("set"))
            location = try read.value("location", Location.init(rawValue:))
            format = try read.text("format")
            bytes = try read.value("bytes", FlatDetails.int64)
        }

        public var details: [String: String] {
            ["pseudonym": pseudonym.rawValue, "set": set.rawValue, "location": location.rawValue, "format": format, "bytes": String(bytes)]
        }
    }

    /// `keys.rotated`: the key-encryption key was rotated.
    public struct KeysRotated: LedgerPayload {
        public static let kind = Kind.keysRotated
        /// Whether the offsite store holds the new epoch (`offsite_witness`).
        public enum OffsiteWitness: String, Sendable {
            case recorded, owed
        }

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
        /// `reason`.
        public var reason: String
        /// `complete`: `yes` when the old key-encryption key is gone from every key directory.
        public var complete: Bool
        /// `escrow`: where the new key was escrowed.
        public var escrow: String
        /// `unrecorded_epochs`: epochs a run rotated to without recording it, if any.
        public var unrecordedEpochs: String?
        /// `offsite_witness`: nil without an offsite store.
        public var offsiteWitness: OffsiteWitness?

        public init(fromEpoch: Int, toEpoch: Int, kekID: String, rewrappedKeys: Int, destroyedEpochs: [Int], keyDirectories: Int,
                    reason: String, complete: Bool, escrow: String, unrecordedEpochs: String?, offsiteWitness: OffsiteWitness?) {
            (self.fromEpoch, self.toEpoch, self.kekID, self.rewrappedKeys, self.destroyedEpochs, self.keyDirectories, self.reason, self.complete, self.escrow, self.unrecordedEpochs, self.offsiteWitness) =
                (fromEpoch, toEpoch, kekID, rewrappedKeys, destroyedEpochs, keyDirectories, reason, complete, escrow, unrecordedEpochs, offsiteWitness)
        }

        public init(details: [String: String]) throws {
            let read = FlatDetails(details, kind: Self.kind)
            fromEpoch = try read.value("from_epoch", FlatDetails.int)
            toEpoch = try read.value("to_epoch", FlatDetails.int)
            kekID = try read.text("kek_id")
            rewrappedKeys = try read.value("rewrapped_keys", FlatDetails.int)
            destroyedEpochs = try read.list("destroyed_epochs", separator: ",", FlatDetails.int)
            keyDirectories = try read.value("key_directories", FlatDetails.int)
            reason = try read.text("reason")
            complete = try read.value("complete", FlatDetails.yesNo)
            escrow = try read.text("escrow")
            unrecordedEpochs = read.optionalText("unrecorded_epochs")
            offsiteWitness = try read.optional("offsite_witness", OffsiteWitness.init(rawValue:))
        }

        public var details: [String: String] {
            var details = [
                "from_epoch": String(fromEpoch), "to_epoch": String(toEpoch), "kek_id": kekID, "rewrapped_keys": String(rewrappedKeys),
                "destroyed_epochs": destroyedEpochs.map(String.init).joined(separator: ","), "key_directories": String(keyDirectories),
                "reason": reason, "complete": FlatDetails.yesNo(complete), "escrow": escrow,
            ]
            details["unrecorded_epochs"] = unrecordedEpochs
            details["offsite_witness"] = offsiteWitness?.rawValue
            return details
        }
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

        public init(details: [String: String]) throws {
            let read = FlatDetails(details, kind: Self.kind)
            deleteBy = try read.list("delete_by", separator: ",", FlatDetails.date)
            count = try read.value("count", FlatDetails.int)
        }

        public var details: [String: String] {
            ["delete_by": deleteBy.map(Timestamp.iso).joined(separator: ","), "count": String(count)]
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

        public init(details: [String: String]) throws {
            let read = FlatDetails(details, kind: Self.kind)
            epoch = try read.value("epoch", FlatDetails.int)
            kekID = try read.text("kek_id")
            source = read.optionalText("source")
            directoriesRestored = try read.value("directories_restored", FlatDetails.int)
            escrowDirectoriesRestored = try read.optional("escrow_directories_restored", FlatDetails.int)
            keysVerified = try read.value("keys_verified", FlatDetails.int)
            acceptedEpoch = try read.optional("accepted_epoch", FlatDetails.int)
        }

        public var details: [String: String] {
            var details = ["epoch": String(epoch), "kek_id": kekID, "directories_restored": String(directoriesRestored),
                           "keys_verified": String(keysVerified)]
            details["source"] = source
            details["escrow_directories_restored"] = escrowDirectoriesRestored.map(String.init)
            details["accepted_epoch"] = acceptedEpoch.map(String.init)
            return details
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

        public init(details: [String: String]) throws {
            let read = FlatDetails(details, kind: Self.kind)
            epoch = try read.value("epoch", FlatDetails.int)
            kekID = try read.text("kek_id")
        }

        public var details: [String: String] { ["epoch": String(epoch), "kek_id": kekID] }
    }

    /// `keys.escrow_raw_destroyed`: the operator stated that the raw escrow of an epoch was destroyed.
    public struct KeysEscrowRawDestroyed: LedgerPayload {
        public static let kind = Kind.keysEscrowRawDestroyed
        /// `epoch`.
        public var epoch: Int

        /// A payload of these fields, to record.
        public init(epoch: Int) { self.epoch = epoch }

        public init(details: [String: String]) throws {
            epoch = try FlatDetails(details, kind: Self.kind).value("epoch", FlatDetails.int)
        }

        public var details: [String: String] { ["epoch": String(epoch)] }
    }

    /// `keys.offsite_witness_recorded`: a run caught up the offsite epoch witness a rotation left owed.
    public struct KeysOffsiteWitnessRecorded: LedgerPayload {
        public static let kind = Kind.keysOffsiteWitnessRecorded
        /// `epoch`: the epoch the store holds now.
        public var epoch: Int

        /// A payload of these fields, to record.
        public init(epoch: Int) { self.epoch = epoch }

        public init(details: [String: String]) throws {
            epoch = try FlatDetails(details, kind: Self.kind).value("epoch", FlatDetails.int)
        }

        public var details: [String: String] { ["epoch": String(epoch)] }
    }
}
