import Foundation
import LetheCore

/// What `init` asks of the bucket before it trusts it: does it exist (and may these
/// credentials list it), and taking back a bucket init created; whether object lock is on is
/// ``objectLockConfiguration()``.
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
