import Foundation
import LetheCore
import LetheCrypto

/// The sink `put` hands to its body: buffers, then sends one PUT or a multipart upload.
///
/// With `createOnly`, the PUT (or the multipart completion) carries `If-None-Match: *`: the
/// store then refuses to write over an object at the key, so a retry of an attempt the store
/// already kept cannot add a second version. Such a refusal is not an error here: `put` looks
/// for the version the earlier attempt left (`needsSettling`).
final class S3Upload: ByteSink {
    private let store: S3ObjectStore
    private let key: ObjectKey
    private let extraHeaders: [String: String]
    private let createOnly: Bool
    /// True when the store may hold a version of this upload other than (or instead of) the one
    /// its last answer named: a request was retried, a conditional write was refused because
    /// the key exists, or a retried completion found its upload already completed.
    private(set) var needsSettling = false
    private var pending = Data()
    private var uploadID: String?
    private var parts: [(number: Int, etag: String, digest: [UInt8])] = []
    private(set) var totalBytes: Int64 = 0
    /// The SHA-256 checksum S3 keeps for what was sent (base64): the body's own digest for a single
    /// PUT, the digest of the parts' digests for a multipart upload. Set by `finish`.
    private(set) var expectedChecksum: String?
    /// The checksum the store's answer to the PUT or the completion reported, if it reported one.
    private(set) var reportedChecksum: String?

    init(store: S3ObjectStore, key: ObjectKey, extraHeaders: [String: String], createOnly: Bool = false) {
        self.store = store
        self.key = key
        self.extraHeaders = extraHeaders
        self.createOnly = createOnly
    }

    private var configuration: S3Configuration { store.configuration }

    /// The size of the next part.
    private var partSize: Int { Self.partSize(base: configuration.partSize, afterParts: parts.count) }

    /// The base size, doubled every 1,000 parts: 10,000 parts of 8 MiB would stop an archive at
    /// 78 GiB; doubling takes the limit to 7.8 TiB while ordinary uploads keep small buffers.
    static func partSize(base: Int, afterParts count: Int) -> Int { base << min(count / 1000, 10) }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        pending.append(contentsOf: bytes)
        totalBytes += Int64(bytes.count)
        if uploadID == nil && pending.count > configuration.multipartThreshold {
            try begin()
        }
        if uploadID != nil {
            while pending.count > partSize {
                // The part shares the buffer's bytes; only the small remainder is copied.
                try uploadPart(pending.prefix(partSize))
                pending = Data(pending[partSize...])
            }
        }
    }

    /// Sends what is left and publishes the object; returns its version id, if the bucket keeps versions.
    func finish() throws -> String? {
        guard let uploadID else { return try putWhole() }
        if !pending.isEmpty || parts.isEmpty {
            try uploadPart(pending)
            pending = Data()
        }
        var xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        for part in parts {
            xml += "<Part><PartNumber>\(part.number)</PartNumber><ETag>\(S3XML.escape(part.etag))</ETag>"
                + "<ChecksumSHA256>\(Data(part.digest).base64EncodedString())</ChecksumSHA256></Part>"
        }
        xml += "</CompleteMultipartUpload>"
        var request = S3Request(method: "POST", key: key.rawValue, query: [("uploadId", uploadID)], body: Data(xml.utf8))
        if createOnly { request.headers["If-None-Match"] = "*" }
        let response = try store.connection.send(request)
        expectedChecksum = Data(S3Connection.sha256(Data(parts.flatMap(\.digest)))).base64EncodedString()
        if response.attempts > 1 { needsSettling = true }
        // Refused as existing, or (after a retry) the upload is gone: an earlier attempt may have completed it.
        if isRefusedAsExisting(response) || (response.attempts > 1 && response.errorDetail?.code == "NoSuchUpload") {
            self.uploadID = nil
            needsSettling = true
            return nil
        }
        // S3 can answer 200 and still report an error in the body.
        if response.isSuccess, let detail = response.errorDetail {
            if detail.code == "InternalError" || detail.code == "SlowDown" {
                throw ObjectStoreError.unavailable("completing the upload of \(key): \(detail.code)")
            }
            throw ObjectStoreError.failed(store.connection.redact("completing the upload of \(key): \(detail.code): \(detail.message)"))
        }
        guard response.isSuccess else { throw store.failure(response, key: key, doing: "complete the upload of \(key)") }
        self.uploadID = nil
        reportedChecksum = S3XML.parse(response.body)?.value("ChecksumSHA256")
        return response.headers["x-amz-version-id"].flatMap { $0 == "null" ? nil : $0 }
    }

    /// Abandons a multipart upload, if one was begun (best effort: the original error matters more).
    func abort() {
        guard let uploadID else { return }
        self.uploadID = nil
        try? store.abortMultipartUpload(S3MultipartUpload(key: key.rawValue, uploadID: uploadID))
    }

    private func putWhole() throws -> String? {
        let digest = S3Connection.sha256(pending)
        var request = S3Request(method: "PUT", key: key.rawValue, body: pending, bodySHA256: digest)
        request.headers = extraHeaders.merging(checksumHeaders(digest)) { a, _ in a }
        request.headers["Content-Type"] = "application/octet-stream"
        if createOnly { request.headers["If-None-Match"] = "*" }
        let response = try store.connection.send(request)
        pending = Data()
        expectedChecksum = Data(digest).base64EncodedString()
        if response.attempts > 1 { needsSettling = true }
        if isRefusedAsExisting(response) {
            needsSettling = true
            return nil
        }
        guard response.isSuccess else { throw store.failure(response, key: key, doing: "upload \(key)") }
        reportedChecksum = response.headers["x-amz-checksum-sha256"]
        return response.headers["x-amz-version-id"].flatMap { $0 == "null" ? nil : $0 }
    }

    private func begin() throws {
        var request = S3Request(method: "POST", key: key.rawValue, query: [("uploads", "")])
        request.headers = extraHeaders
        request.headers["x-amz-checksum-algorithm"] = "SHA256"
        request.headers["Content-Type"] = "application/octet-stream"
        let response = try store.connection.send(request)
        guard response.isSuccess else { throw store.failure(response, key: key, doing: "begin the upload of \(key)") }
        guard let xml = S3XML.parse(response.body), let id = xml.value("UploadId") else {
            throw ObjectStoreError.failed("the store's answer to beginning the upload of \(key) has no UploadId")
        }
        uploadID = id
    }

    private func uploadPart(_ bytes: Data) throws {
        guard let uploadID else { return }
        let number = parts.count + 1
        let digest = S3Connection.sha256(bytes)
        var request = S3Request(method: "PUT", key: key.rawValue,
                                query: [("partNumber", String(number)), ("uploadId", uploadID)],
                                body: bytes, bodySHA256: digest)
        request.headers = checksumHeaders(digest)
        let response = try store.connection.send(request)
        guard response.isSuccess else { throw store.failure(response, key: key, doing: "upload part \(number) of \(key)") }
        guard let etag = response.headers["etag"] else {
            throw ObjectStoreError.failed("the store's answer to part \(number) of \(key) has no ETag")
        }
        parts.append((number, etag, digest))
    }

    /// True when a conditional write was refused because the key holds an object
    /// (412 PreconditionFailed; 409 ConditionalRequestConflict when another write raced it).
    private func isRefusedAsExisting(_ response: S3Response) -> Bool {
        createOnly && (response.status == 412 || (response.status == 409 && response.errorDetail?.code == "ConditionalRequestConflict"))
    }

    /// `x-amz-checksum-sha256` (which S3 verifies) and the algorithm header moto wants on locked PUTs.
    private func checksumHeaders(_ digest: [UInt8]) -> [String: String] {
        ["x-amz-sdk-checksum-algorithm": "SHA256", "x-amz-checksum-sha256": Data(digest).base64EncodedString()]
    }
}
