import Foundation
import LetheCatalog
import LetheCore

// Everything the report reads from ledger events' `details`, in one place: one small function
// per event kind, each turning one event into the report's typed value. Nothing else in the
// report reads `details`. (The event writers are ShredJob/KeyMaintenance, ExpireJob and
// OffsiteCopier in LetheJobs.)

extension RetentionReport {
    /// The ledger event kinds the report reads: the report job fetches exactly these.
    public static let ledgerKinds = [
        LedgerKind.shred, LedgerKind.rotation, LedgerKind.deleteFailed, LedgerKind.uploadFailed,
        LedgerKind.expiryDestroyed, LedgerKind.expireFinished,
    ]

    /// The names of the ledger event kinds the report reads.
    enum LedgerKind {
        static let shred = "customer.shredded"
        static let rotation = "keys.rotated"
        static let deleteFailed = "copy.delete_failed"
        static let uploadFailed = "copy.upload_failed"
        static let expiryDestroyed = "keys.expiry_destroyed"
        static let expireFinished = "expire.finished"
    }

    /// `customer.shredded`: who, which request, when, and the copies made unreadable per
    /// location (`copies.local`, `bytes.local`, …); the rotation after it is found by the caller.
    static func erasure(_ event: LedgerEvent) -> Erasure {
        let details = event.details
        let byLocation = Location.allCases.compactMap { location -> CopyCount? in
            guard let count = details["copies.\(location.rawValue)"].flatMap({ Int($0) }) else { return nil }
            return CopyCount(location: location, copies: count, bytes: Int64(details["bytes.\(location.rawValue)"] ?? "") ?? 0)
        }
        return Erasure(event: event.sequence, pseudonym: Pseudonym(details["pseudonym"] ?? "-"), request: details["request"] ?? "-",
                       shreddedAt: details["shredded_at"].flatMap(Timestamp.parse) ?? event.at,
                       copies: int(details["copies"]), byLocation: byLocation)
    }

    /// `keys.rotated`: the epochs, and whether the old key was destroyed everywhere (`complete: yes`).
    static func rotation(_ event: LedgerEvent) -> KEKRotation {
        KEKRotation(event: event.sequence, at: event.at, fromEpoch: int(event.details["from_epoch"]),
                    toEpoch: int(event.details["to_epoch"]), complete: event.details["complete"] == "yes")
    }

    /// `copy.delete_failed`: the copy's catalog id and the error (nil id: not a catalog copy's).
    static func deleteFailure(_ event: LedgerEvent) -> (copy: Int64?, failure: CopyFailure) {
        (event.details["copy"].flatMap { Int64($0) }, CopyFailure(error: event.details["error"], at: event.at))
    }

    /// `copy.upload_failed`: where the pending copy was to go (offsite when unnamed) and the error.
    static func uploadFailure(_ event: LedgerEvent) -> (location: Location?, objectKey: ObjectKey?, failure: CopyFailure) {
        (Location(rawValue: event.details["location"] ?? Location.offsite.rawValue), event.details["object_key"].flatMap(ObjectKey.init),
         CopyFailure(error: event.details["error"], at: event.at))
    }

    /// `keys.expiry_destroyed`: the delete-by dates whose expiry keys were destroyed (comma-separated).
    static func expiryKeyDestruction(_ event: LedgerEvent) -> ExpiryKeyDestruction {
        ExpiryKeyDestruction(at: event.at, deleteBy: (event.details["delete_by"] ?? "").split(separator: ",").compactMap { Timestamp.parse(String($0)) })
    }

    /// `expire.finished`: how the run ended and its counts.
    static func expireRun(_ event: LedgerEvent) -> ExpireRun {
        let details = event.details
        return ExpireRun(at: event.at, state: details["state"] ?? "unknown", kept: int(details["kept"]), deleted: int(details["deleted"]),
                         cancelled: int(details["cancelled"]), failed: int(details["failed"]), keysDestroyed: int(details["keys_destroyed"]))
    }

    /// A number written as text (0 when missing or not a number).
    private static func int(_ text: String?) -> Int { text.flatMap { Int($0) } ?? 0 }
}
