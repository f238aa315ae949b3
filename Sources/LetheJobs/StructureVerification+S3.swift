import Foundation
import LetheCore
import LetheS3

/// What only a versioned S3 store can hold beyond its current objects, which `list` does not
/// show: older versions (a retried upload's twin, a leftover of a partial deletion) and
/// multipart uploads begun and never completed. Each belongs to no copy, yet is stored (and
/// billed), possibly locked, and holds customer data until its key's copy expires.
extension StructureVerification {
    /// The extra versions and unfinished uploads under `archives/` in an S3 store (none elsewhere).
    ///
    /// - Parameter current: the current objects the store listed.
    /// - Throws: the store's errors.
    func versionedStoreFindings(at location: Location, current: [StoredObject]) throws -> [StructureFinding] {
        guard let s3 = try home.store(for: location) as? S3ObjectStore else { return [] }
        return try Self.extraVersions(try s3.listVersions(prefix: ObjectKey.archivePrefix), current: current, at: location)
            + s3.listMultipartUploads(prefix: ObjectKey.archivePrefix).compactMap { upload in
                guard let key = ObjectKey(upload.key) else { return nil }
                let begun = upload.initiated.map { " begun \(Timestamp.iso($0)) by the store's clock" } ?? ""
                return StructureFinding(location: location, objectKey: key, problem: "an unfinished multipart upload\(begun) (id \(upload.uploadID)): left by a run that died mid-upload, unless one is running now; the next backup or expire aborts it once it is a day old by the store's clock")
            }
    }

    /// Keys holding more versions than their one current object (or versions with no current
    /// object, which `list` does not show at all).
    static func extraVersions(_ versions: [StoredObject], current: [StoredObject], at location: Location) -> [StructureFinding] {
        let listed = Set(current.map(\.key))
        return Dictionary(grouping: versions, by: \.key).sorted { $0.key < $1.key }.compactMap { key, versions in
            if !listed.contains(key) {
                return StructureFinding(location: location, objectKey: key, problem: "\(Wording.count(versions.count, "older version", "older versions")) stored under a key with no current object (left by a deletion that stopped half-way): delete them by version id once unlocked")
            }
            guard versions.count > 1 else { return nil }
            return StructureFinding(location: location, objectKey: key, problem: "\(versions.count) versions stored where a copy has one (a retried upload's twin, or a replaced leftover): its expiry deletes every version once their locks pass, or delete the ones the catalog does not name by version id")
        }
    }
}
