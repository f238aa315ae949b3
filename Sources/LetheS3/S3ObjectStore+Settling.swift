import Foundation
import LetheCore

/// Exactly one version per upload, even when the network lies about what happened.
///
/// A PUT the store kept whose answer was lost (a connection reset after the store committed)
/// is retried; on a versioned bucket the retry would add a second version of the same bytes,
/// locked as long as the first, that no catalog row names. `put` prevents it where it can (a
/// new key is written with `If-None-Match: *`, so the retry is refused) and, after any retried
/// or refused request, settles what the store holds here.
extension S3ObjectStore {
    /// Finds the versions of `key` holding exactly what `upload` sent (its size and SHA-256),
    /// keeps one (the version the store's answer named, else the earliest, which an earlier
    /// attempt stored) and deletes the others by version id.
    ///
    /// A duplicate that is locked cannot be deleted: it stays until its lock (the same date as
    /// the kept version's) passes, and deleting the copy removes every version of its key. That
    /// only happens on a store that ignores conditional writes.
    /// - Returns: the version id to record.
    /// - Throws: `failed` when no version holds what was sent (another writer took the key).
    func settle(_ upload: S3Upload, key: ObjectKey, answered versionID: String?) throws -> String? {
        let ours = try versionHeads(of: key).filter { head in
            head.object.size == upload.totalBytes && head.checksum.map { Self.digestPart($0) } == upload.expectedChecksum
        }
        guard let keep = ours.first(where: { $0.object.versionID == versionID && versionID != nil }) ?? ours.last else {
            if versionID != nil { return versionID }  // answered, but the store reports no checksum to match on
            throw ObjectStoreError.failed("\(key) already holds an object that is not the one sent (written by another process?): nothing was replaced; check the bucket")
        }
        for duplicate in ours where duplicate.object.versionID != keep.object.versionID {
            do {
                try deleteVersion(key, versionID: duplicate.object.versionID ?? "null")
            } catch ObjectStoreError.objectLocked {
                continue  // see above: removed with the copy once its lock passes
            } catch ObjectStoreError.notFound {
                continue
            }
        }
        return keep.object.versionID
    }

    /// The digest part of a reported checksum ("<digest>-<parts>" for a multipart object).
    static func digestPart(_ checksum: String) -> String {
        checksum.split(separator: "-").first.map(String.init) ?? checksum
    }
}
