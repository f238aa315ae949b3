import Foundation
import LetheCore
import LetheCrypto

/// An S3-compatible bucket as an `ObjectStore`, for offsite copies.
///
/// Requests are signed with AWS Signature V4 and retried per `S3Configuration.retry`. The
/// calls block the calling thread (URLSession bridged with a semaphore), as the contract is
/// synchronous. How the contract maps onto a (versioned, object-lock) bucket:
/// - `put` buffers up to `multipartThreshold` bytes and sends one PUT; a larger body goes as a
///   multipart upload, aborted if anything fails or `body` throws, so nothing partial becomes
///   visible. Every upload carries its SHA-256 (`x-amz-checksum-sha256`), which S3 verifies.
///   With `lockUntil`, the object is stored with `configuration.lockMode` and that retain-until
///   date; the lock is read back, and if the bucket did not apply it the new version is
///   removed and `lockUnsupported` thrown. Before uploading, `put` looks the key up (HEAD). A key whose current version is locked refuses `put`.
///   A key with no object is written with `If-None-Match: *`; after any retried request (or a
///   conditional write refused because an earlier attempt already stored the object) `put`
///   lists the key's versions and keeps exactly one version of what it sent (see `settle`).
/// - `get` reads in ranged GETs of `readChunkSize` bytes, pinned to the version it started
///   with, checks every length and, where the bucket reports a whole-object SHA-256, the digest
///   once the last byte is read (`checksumMismatch`).
/// - `delete(key, versionID: nil)` removes every version of the key (and delete markers), so
///   nothing of it is left; a locked version refuses with `objectLocked`, checked first.
///   `delete(key, versionID:)` removes that one version. The governance bypass header is never sent.
/// - `list` sees current objects only (no version ids or lock dates: use `head`, `listVersions`).
///   `versions(of:)` lists one key's versions (ListObjectVersions with the key as prefix) and
///   reads each one's lock with a HEAD of that version.
public final class S3ObjectStore: ObjectStore, @unchecked Sendable {
    /// The settings the store was made with.
    public let configuration: S3Configuration
    let connection: S3Connection

    /// A store for the bucket `configuration` names. Makes no request.
    public init(configuration: S3Configuration) {
        self.configuration = configuration
        connection = S3Connection(configuration: configuration)
    }

    /// Always `.offsite`.
    public var location: Location { .offsite }

    /// The store's clock: the `Date` header of the latest response, if any response came yet.
    ///
    /// Expiry checks retain-until dates against this rather than the local clock.
    public func serverDate() -> Date? { connection.serverDate }

    // MARK: put

    public func put(_ key: ObjectKey, lockUntil: Date?, body: (any ByteSink) throws -> Void) throws -> StoredObject {
        var lockHeaders: [String: String] = [:]
        if let until = lockUntil {
            guard let mode = configuration.lockMode else { throw ObjectStoreError.lockUnsupported }
            lockHeaders["x-amz-object-lock-mode"] = mode.s3HeaderValue
            // Whole seconds, rounded up: the lock must never end before the date asked for.
            let rounded = Date(timeIntervalSince1970: until.timeIntervalSince1970.rounded(.up))
            lockHeaders["x-amz-object-lock-retain-until-date"] = Timestamp.iso(rounded)
        }
        let existing = try headVersion(key, versionID: nil)
        if let existing, isActive(existing.object.lockedUntil) {
            throw ObjectStoreError.objectLocked(key, until: existing.object.lockedUntil)
        }
        // A new key is written conditionally, so a retry cannot add a second version.
        let upload = S3Upload(store: self, key: key, extraHeaders: lockHeaders, createOnly: existing == nil)
        var versionID: String?
        do {
            try body(upload)
            versionID = try upload.finish()
        } catch {
            upload.abort()
            throw error
        }
        if upload.needsSettling { versionID = try settle(upload, key: key, answered: versionID) }
        return try verify(upload, key: key, versionID: versionID, lockUntil: lockUntil)
    }

    /// Reads back what the store kept of an upload (size, checksum, lock) and compares it with
    /// what was sent; a version that does not match is removed where the store allows it.
    ///
    /// S3 itself verifies the checksum sent with every part; this catches a store that
    /// acknowledged something else, lost bytes, or (moto's multipart uploads, buckets without
    /// lock support) stored the object unlocked, which the contract forbids.
    private func verify(_ upload: S3Upload, key: ObjectKey, versionID: String?, lockUntil: Date?) throws -> StoredObject {
        // Exactly the version this upload made ("null" in a bucket without versioning).
        let discard = { try? self.deleteVersion(key, versionID: versionID ?? "null") }
        guard let stored = try headVersion(key, versionID: versionID) else {
            throw ObjectStoreError.failed("the store acknowledged the upload of \(key) but does not show it: check the bucket")
        }
        if let until = lockUntil {
            guard let applied = stored.object.lockedUntil, applied >= until.addingTimeInterval(-1) else {
                discard()
                throw ObjectStoreError.lockUnsupported
            }
        }
        let reported = [upload.reportedChecksum, stored.checksum].compactMap { $0 }
        // A multipart object's checksum reads "<digest of part digests>-<parts>".
        let mismatched = reported.contains { Self.digestPart($0) != upload.expectedChecksum }
        if stored.object.size != upload.totalBytes || mismatched {
            discard()
            throw ObjectStoreError.checksumMismatch(key)
        }
        return stored.object
    }

    // MARK: get, head, list

    public func get<T>(_ key: ObjectKey, body: (any ByteSource) throws -> T) throws -> T {
        guard let info = try headVersion(key, versionID: nil) else { throw ObjectStoreError.notFound(key) }
        // Only a single PUT has a whole-object SHA-256; a multipart object's checksum is of its
        // parts' checksums (ETag and checksum end in "-<parts>", though moto's HEAD omits it there).
        let isMultipart = info.etag?.contains("-") == true || info.checksum?.contains("-") == true
        let digest = isMultipart ? nil : info.checksum
        let source = S3RangeSource(store: self, key: key, versionID: info.object.versionID,
                                   size: info.object.size, expectedSHA256: digest)
        return try body(source)
    }

    public func head(_ key: ObjectKey) throws -> StoredObject? {
        try headVersion(key, versionID: nil)?.object
    }

    public func list(prefix: String) throws -> [StoredObject] {
        var found: [StoredObject] = []
        try eachPage([("list-type", "2"), ("prefix", prefix), ("max-keys", String(configuration.listPageSize))],
                     doing: "list objects",
                     next: { page in page.value("NextContinuationToken").map { [("continuation-token", $0)] } }) { page in
            for entry in page.all("Contents") {
                guard let name = entry.value("Key"), let key = ObjectKey(name) else { continue }
                found.append(StoredObject(key: key, size: Int64(entry.value("Size") ?? "") ?? 0))
            }
        }
        return found.sorted { $0.key < $1.key }
    }

    /// Every stored version of every key starting with `prefix` (delete markers left out),
    /// keys in order, newest version first.
    ///
    /// - Throws: `ObjectStoreError` as the other calls.
    public func listVersions(prefix: String) throws -> [StoredObject] {
        try versionEntries(prefix: prefix).filter { !$0.isDeleteMarker }.map(\.object)
    }

    /// Every version of exactly `key`, newest first, each with its lock (read by a HEAD of that
    /// version: the listing does not carry locks). Delete markers are left out.
    public func versions(of key: ObjectKey) throws -> [StoredObject] {
        try versionHeads(of: key).map(\.object)
    }

    /// What HEAD says of every version of exactly `key`, newest first (delete markers left out).
    func versionHeads(of key: ObjectKey) throws -> [HeadResult] {
        try versionEntries(prefix: key.rawValue).filter { !$0.isDeleteMarker && $0.object.key == key }.compactMap { entry in
            try headVersion(key, versionID: entry.object.versionID ?? "null")
        }
    }

    // MARK: delete

    public func delete(_ key: ObjectKey, versionID: String?) throws {
        if let versionID {
            guard try headVersion(key, versionID: versionID) != nil else { throw ObjectStoreError.notFound(key) }
            try deleteVersion(key, versionID: versionID)
            return
        }
        let entries = try versionEntries(prefix: key.rawValue).filter { $0.object.key == key }
        let versions = entries.filter { !$0.isDeleteMarker }
        // Refuse before removing anything if any version is still locked.
        for entry in versions {
            if let info = try headVersion(key, versionID: entry.object.versionID), isActive(info.object.lockedUntil) {
                throw ObjectStoreError.objectLocked(key, until: info.object.lockedUntil)
            }
        }
        for entry in entries {
            try deleteVersion(key, versionID: entry.object.versionID ?? "null")
        }
        if versions.isEmpty { throw ObjectStoreError.notFound(key) }
    }

    // MARK: bucket set-up and multipart housekeeping

    /// Creates the bucket, with object lock (which brings versioning) if `objectLock`.
    ///
    /// Succeeds if the bucket already exists and is ours.
    /// - Throws: `ObjectStoreError` if the store refuses.
    public func createBucket(objectLock: Bool) throws {
        var request = S3Request(method: "PUT", key: nil)
        if objectLock { request.headers["x-amz-bucket-object-lock-enabled"] = "true" }
        if configuration.region != "us-east-1" {
            request.body = Data(("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                + "<LocationConstraint>\(S3XML.escape(configuration.region))</LocationConstraint></CreateBucketConfiguration>").utf8)
        }
        let response = try connection.send(request)
        if response.isSuccess || response.errorDetail?.code == "BucketAlreadyOwnedByYou" { return }
        throw failure(response, key: nil, doing: "create bucket \(configuration.bucket)")
    }

    // MARK: internals

    /// What HEAD says about a key (or one version of it), nil if there is none.
    struct HeadResult {
        var object: StoredObject
        /// The `x-amz-checksum-sha256` the store reports (base64; "…-N" for multipart).
        var checksum: String?
        /// The ETag ("…-N" for a multipart object).
        var etag: String?
    }

    func headVersion(_ key: ObjectKey, versionID: String?) throws -> HeadResult? {
        var request = S3Request(method: "HEAD", key: key.rawValue, headers: ["x-amz-checksum-mode": "ENABLED"])
        if let versionID { request.query = [("versionId", versionID)] }
        let response = try connection.send(request)
        if response.status == 404 || (versionID != nil && response.status == 400) { return nil }
        if response.status == 405 {  // a delete marker, addressed by version id
            return HeadResult(object: StoredObject(key: key, size: 0, versionID: versionID), checksum: nil, etag: nil)
        }
        guard response.isSuccess else { throw failure(response, key: key, doing: "look up \(key)") }
        let size = Int64(response.headers["content-length"] ?? "") ?? 0
        let version = response.headers["x-amz-version-id"].flatMap { $0 == "null" ? nil : $0 }
        let lock = response.headers["x-amz-object-lock-retain-until-date"].flatMap(Timestamp.parse)
        return HeadResult(object: StoredObject(key: key, size: size, versionID: version, lockedUntil: lock),
                          checksum: response.headers["x-amz-checksum-sha256"], etag: response.headers["etag"])
    }

    func deleteVersion(_ key: ObjectKey, versionID: String) throws {
        let response = try connection.send(S3Request(method: "DELETE", key: key.rawValue, query: [("versionId", versionID)]))
        if response.isSuccess { return }
        if response.status == 403, let info = try? headVersion(key, versionID: versionID), isActive(info.object.lockedUntil) {
            throw ObjectStoreError.objectLocked(key, until: info.object.lockedUntil)
        }
        if response.status == 404 || (response.status == 400 && response.errorDetail?.code == "InvalidArgument") {
            throw ObjectStoreError.notFound(key)
        }
        throw failure(response, key: key, doing: "delete \(key)")
    }

    struct VersionEntry {
        var object: StoredObject
        var isDeleteMarker: Bool
    }

    func versionEntries(prefix: String) throws -> [VersionEntry] {
        var found: [VersionEntry] = []
        try eachPage([("versions", ""), ("prefix", prefix), ("max-keys", String(configuration.listPageSize))],
                     doing: "list object versions",
                     next: { page in
                         page.value("NextKeyMarker").map { [("key-marker", $0), ("version-id-marker", page.value("NextVersionIdMarker") ?? "")] }
                     }) { page in
            for entry in page.children where entry.name == "Version" || entry.name == "DeleteMarker" {
                guard let name = entry.value("Key"), let key = ObjectKey(name) else { continue }
                let object = StoredObject(key: key, size: Int64(entry.value("Size") ?? "") ?? 0, versionID: entry.value("VersionId"))
                found.append(VersionEntry(object: object, isDeleteMarker: entry.name == "DeleteMarker"))
            }
        }
        return found
    }

    /// Sends a listing (a GET of the bucket with `query`) page by page, passing each page's XML
    /// to `body`: while a page says it is truncated, the next request adds the parameters `next`
    /// reads from it (its markers); a truncated page without them ends the listing.
    func eachPage(_ query: [(String, String)], doing: String, next: (S3XML) -> [(String, String)]?,
                  _ body: (S3XML) throws -> Void) throws {
        var markers: [(String, String)] = []
        while true {
            let page = try listing(S3Request(method: "GET", key: nil, query: query + markers), doing: doing)
            try body(page)
            guard page.value("IsTruncated") == "true", let following = next(page) else { return }
            markers = following
        }
    }

    /// Sends a listing request and parses its XML.
    func listing(_ request: S3Request, doing: String) throws -> S3XML {
        let response = try connection.send(request)
        guard response.isSuccess else { throw failure(response, key: nil, doing: doing) }
        guard let xml = S3XML.parse(response.body) else {
            throw ObjectStoreError.failed("the store's answer to '\(doing)' is not XML")
        }
        return xml
    }

    /// True if a retain-until date is still ahead by the store's clock.
    func isActive(_ until: Date?) -> Bool {
        guard let until else { return false }
        return until > (serverDate() ?? Date())
    }

    /// Maps an error response to the contract's errors; never includes credentials.
    func failure(_ response: S3Response, key: ObjectKey?, doing: String) -> ObjectStoreError {
        let code = response.errorDetail?.code ?? ""
        let message = response.errorDetail?.message ?? ""
        let detail = connection.redact("HTTP \(response.status)" + (code.isEmpty ? "" : " \(code)") + (message.isEmpty ? "" : ": \(message)"))
        switch (response.status, code) {
        case (403, _), (_, "InvalidAccessKeyId"), (_, "SignatureDoesNotMatch"), (_, "InvalidToken"), (_, "ExpiredToken"):
            return .accessDenied("\(doing): \(detail)")
        case (404, "NoSuchBucket"):
            return .failed("bucket \(configuration.bucket) does not exist: create it (with object lock) first")
        case (404, _):
            return key.map { .notFound($0) } ?? .failed("\(doing): \(detail)")
        case (400, "BadDigest"), (400, "InvalidDigest"), (400, "XAmzContentChecksumMismatch"):
            return key.map { .checksumMismatch($0) } ?? .failed("\(doing): \(detail)")
        case (400, "InvalidRequest") where message.localizedCaseInsensitiveContains("object lock"),
             (400, "InvalidRequest") where message.localizedCaseInsensitiveContains("ObjectLockConfiguration"):
            return .lockUnsupported
        default:
            return .failed("\(doing): \(detail)")
        }
    }
}
