import Foundation
import LetheCore

/// What a bucket says of object lock (GetObjectLockConfiguration).
public struct S3BucketObjectLock: Sendable, Equatable {
    /// A default retention rule: what the bucket applies to an object stored without a lock of its own.
    public struct DefaultRetention: Sendable, Equatable {
        /// `GOVERNANCE` or `COMPLIANCE`, as the bucket says it.
        public var mode: String
        /// The period, as the bucket says it ("30 days", "1 year").
        public var period: String
    }

    /// True when the bucket was created with object lock (which brings versioning).
    public var enabled: Bool
    /// The bucket's default retention, if it has one.
    public var defaultRetention: DefaultRetention?
}

extension S3ObjectStore {
    /// Reads the bucket's object-lock configuration (one GET of `?object-lock`).
    ///
    /// A bucket without object lock answers `ObjectLockConfigurationNotFoundError`: that is
    /// `enabled: false`, not an error.
    /// - Throws: `ObjectStoreError` when the store cannot be reached, refuses the credentials,
    ///   or has no such bucket (`failed`, naming it).
    public func objectLockConfiguration() throws -> S3BucketObjectLock {
        let response = try connection.send(S3Request(method: "GET", key: nil, query: [("object-lock", "")]))
        if response.errorDetail?.code == "ObjectLockConfigurationNotFoundError" { return S3BucketObjectLock(enabled: false) }
        guard response.isSuccess else { throw failure(response, key: nil, doing: "read the object-lock configuration of bucket \(configuration.bucket)") }
        guard let xml = S3XML.parse(response.body) else {
            throw ObjectStoreError.failed("the store's object-lock configuration of bucket \(configuration.bucket) is not XML")
        }
        let retention = xml.child("Rule")?.child("DefaultRetention")
        return S3BucketObjectLock(
            enabled: xml.value("ObjectLockEnabled") == "Enabled",
            defaultRetention: retention.map { rule in
                S3BucketObjectLock.DefaultRetention(mode: rule.value("Mode") ?? "?",
                                 period: rule.value("Days").map { "\($0) days" } ?? rule.value("Years").map { "\($0) years" } ?? "?")
            })
    }
}
