import Foundation
import LetheCore

/// Multipart uploads begun and never completed or aborted: a run killed mid-upload leaves them.
/// They are never visible as objects, but the store keeps (and bills) their parts.
extension S3ObjectStore {
    /// The multipart uploads begun and neither completed nor aborted, for keys starting with `prefix`.
    ///
    /// A crashed run can leave these behind (they cost storage but are never visible as objects).
    /// - Throws: `ObjectStoreError` as the other calls.
    public func listMultipartUploads(prefix: String) throws -> [S3MultipartUpload] {
        var found: [S3MultipartUpload] = []
        try eachPage([("uploads", ""), ("prefix", prefix), ("max-uploads", String(configuration.listPageSize))],
                     doing: "list multipart uploads",
                     next: { page in
                         guard let key = page.value("NextKeyMarker"), let id = page.value("NextUploadIdMarker") else { return nil }
                         return [("key-marker", key), ("upload-id-marker", id)]
                     }) { page in
            for upload in page.all("Upload") {
                if let key = upload.value("Key"), let id = upload.value("UploadId") {
                    found.append(S3MultipartUpload(key: key, uploadID: id, initiated: upload.value("Initiated").flatMap(Timestamp.parse)))
                }
            }
        }
        return found
    }

    /// Aborts the multipart uploads under `prefix` begun more than `age` seconds ago by the
    /// store's own clock (the `Date` of the listing's answer), and returns them.
    ///
    /// Only the store's clock counts: the local clock (or `LETHE_NOW` in a simulation) may run
    /// far ahead and must never abort an upload in flight. An upload without a start date, or a
    /// listing answered without a `Date`, is left alone (unless `age` is 0: then every upload
    /// under `prefix` is aborted). One that vanished meanwhile (completed or aborted elsewhere)
    /// is skipped.
    /// - Throws: `ObjectStoreError` if the listing or an abort fails.
    public func removeAbandoned(prefix: String, olderThan age: TimeInterval) throws -> [AbandonedWrite] {
        let uploads = try listMultipartUploads(prefix: prefix)
        let stale: [S3MultipartUpload]
        if age <= 0 {
            stale = uploads
        } else {
            guard let storeNow = serverDate() else { return [] }
            stale = uploads.filter { upload in upload.initiated.map { storeNow.timeIntervalSince($0) > age } ?? false }
        }
        var aborted: [AbandonedWrite] = []
        for upload in stale {
            do {
                try abortMultipartUpload(upload)
                aborted.append(AbandonedWrite(name: upload.key, started: upload.initiated))
            } catch ObjectStoreError.notFound {
                continue
            }
        }
        return aborted
    }

    /// Aborts a multipart upload, freeing its parts.
    ///
    /// - Throws: `ObjectStoreError` if the store refuses (`notFound` for an upload it does not know).
    public func abortMultipartUpload(_ upload: S3MultipartUpload) throws {
        let response = try connection.send(S3Request(method: "DELETE", key: upload.key, query: [("uploadId", upload.uploadID)]))
        guard response.isSuccess else { throw failure(response, key: ObjectKey(upload.key), doing: "abort a multipart upload") }
    }
}

/// A multipart upload in progress, as `listMultipartUploads(prefix:)` lists it (only the store makes one).
public struct S3MultipartUpload: Sendable, Equatable {
    /// The key it will be stored under.
    public var key: String
    /// The store's id for it.
    public var uploadID: String
    /// When it was begun, by the store's clock (nil if the listing did not say).
    public var initiated: Date?
}
