import Foundation
import LetheCore

/// What `init` asks of the bucket before it trusts it: does it exist (and may these
/// credentials list it), is object lock on, and taking back a bucket init created.
extension S3ObjectStore {
    /// Whether the bucket exists: one listing of at most one key, which also proves the store
    /// can be reached and the credentials are accepted.
    ///
    /// - Throws: `ObjectStoreError.accessDenied` for refused credentials, `unavailable` when the
    ///   store cannot be reached (after the retries), `failed` for any other refusal.
    public func bucketExists() throws -> Bool {
        let response = try connection.send(S3Request(method: "GET", key: nil, query: [("list-type", "2"), ("max-keys", "1")]))
        if response.isSuccess { return true }
        if response.status == 404, response.errorDetail?.code == "NoSuchBucket" { return false }
        throw failure(response, key: nil, doing: "list bucket \(configuration.bucket)")
    }

    /// Whether object lock is enabled on the bucket (GetObjectLockConfiguration).
    ///
    /// - Throws: `ObjectStoreError` when the store refuses or cannot be reached.
    public func objectLockEnabled() throws -> Bool {
        let response = try connection.send(S3Request(method: "GET", key: nil, query: [("object-lock", "")]))
        if response.status == 404 || response.errorDetail?.code == "ObjectLockConfigurationNotFoundError" { return false }
        guard response.isSuccess else { throw failure(response, key: nil, doing: "read the object lock configuration of \(configuration.bucket)") }
        return S3XML.parse(response.body)?.value("ObjectLockEnabled") == "Enabled"
    }

    /// Deletes the bucket, which must be empty (init takes back a bucket it created this way).
    ///
    /// - Throws: `ObjectStoreError` when the store refuses (a bucket that is not empty) or cannot be reached.
    public func deleteBucket() throws {
        let response = try connection.send(S3Request(method: "DELETE", key: nil))
        guard response.isSuccess || response.errorDetail?.code == "NoSuchBucket" else {
            throw failure(response, key: nil, doing: "delete bucket \(configuration.bucket)")
        }
    }
}
