import Foundation
import LetheCore

/// Where and how to reach an S3-compatible bucket.
public struct S3Configuration: Sendable {
    /// How the bucket appears in request URLs.
    public enum Addressing: String, Sendable, Codable {
        /// `https://endpoint/bucket/key` (MinIO, moto, most self-hosted stores).
        case path
        /// `https://bucket.endpoint/key` (AWS's default).
        case virtualHost
    }

    /// The service's base URL, e.g. `https://s3.eu-central-1.amazonaws.com`.
    public var endpoint: URL
    /// The signing region, e.g. `eu-central-1` (`us-east-1` for most non-AWS stores).
    public var region: String
    /// The bucket name.
    public var bucket: String
    /// Path-style or virtual-host-style URLs.
    public var addressing: Addressing
    /// The keys that sign requests.
    public var credentials: S3Credentials
    /// The lock mode for `put(…, lockUntil:)`; nil means this store refuses locks (`lockUnsupported`).
    public var lockMode: ObjectLockMode?
    /// Bodies larger than this many bytes are sent as multipart uploads.
    public var multipartThreshold: Int
    /// The size of each of the first 1,000 parts of a multipart upload (S3 requires at least
    /// 5 MiB); it doubles every 1,000 parts, so S3's 10,000-part limit never caps an archive.
    public var partSize: Int
    /// The size of each ranged GET when reading an object back.
    public var readChunkSize: Int
    /// How many keys one listing request asks for (S3 answers at most 1000).
    public var listPageSize: Int
    /// How failed requests are retried.
    public var retry: S3RetryPolicy
    /// How long one request may take before it counts as a time-out, in seconds.
    public var requestTimeout: TimeInterval

    /// The smallest part S3 accepts (except for the last part).
    public static let minimumPartSize = 5 << 20

    /// A configuration; sizes in bytes.
    ///
    /// - Throws: `S3Error.insecureEndpoint` for plain http to a host that is not loopback unless
    ///   `allowInsecureHTTP`; `S3Error.invalidConfiguration` for an endpoint that is not http(s), an empty
    ///   bucket or region, a part size under 5 MiB, a non-positive threshold or chunk size, or a
    ///   list page size outside 1...1000.
    public init(endpoint: URL, region: String, bucket: String, addressing: Addressing = .path,
                credentials: S3Credentials, lockMode: ObjectLockMode? = nil,
                multipartThreshold: Int = 8 << 20, partSize: Int = 8 << 20, readChunkSize: Int = 8 << 20,
                listPageSize: Int = 1000, retry: S3RetryPolicy = S3RetryPolicy(), requestTimeout: TimeInterval = 120,
                allowInsecureHTTP: Bool = false) throws {
        try Self.checkTransport(endpoint, allowInsecureHTTP: allowInsecureHTTP)
        guard !bucket.isEmpty, !bucket.contains("/") else {
            throw S3Error.invalidConfiguration("bucket name '\(bucket)' is empty or contains '/'")
        }
        guard !region.isEmpty else { throw S3Error.invalidConfiguration("the region is empty: use e.g. us-east-1") }
        guard partSize >= Self.minimumPartSize else {
            throw S3Error.invalidConfiguration("part size \(partSize) is under S3's minimum of 5 MiB")
        }
        guard multipartThreshold >= 1, readChunkSize >= 1 else {
            throw S3Error.invalidConfiguration("the multipart threshold and read chunk size must be positive")
        }
        guard (1...1000).contains(listPageSize) else {
            throw S3Error.invalidConfiguration("list page size \(listPageSize) is not within 1...1000")
        }
        self.endpoint = endpoint
        self.region = region
        self.bucket = bucket
        self.addressing = addressing
        self.credentials = credentials
        self.lockMode = lockMode
        self.multipartThreshold = multipartThreshold
        self.partSize = partSize
        self.readChunkSize = readChunkSize
        self.listPageSize = listPageSize
        self.retry = retry
        self.requestTimeout = requestTimeout
    }

    /// Checks that `endpoint` is https, or plain http to this machine (127.0.0.0/8, `::1`,
    /// `localhost`), or plain http elsewhere with `allowInsecureHTTP`.
    ///
    /// Over plain http the store's answers are unauthenticated: a forged 404 "confirms" a
    /// deletion, a forged `Date` moves lock checks, and a session token travels in clear.
    /// - Throws: `S3Error.invalidConfiguration` for a URL that is not http(s) with a host;
    ///   `S3Error.insecureEndpoint` for plain http to another host without `allowInsecureHTTP`.
    public static func checkTransport(_ endpoint: URL, allowInsecureHTTP: Bool) throws {
        guard let scheme = endpoint.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = endpoint.host, !host.isEmpty else {
            throw S3Error.invalidConfiguration("endpoint \(endpoint) is not an http(s) URL with a host")
        }
        if scheme == "http" && !allowInsecureHTTP && !isLoopback(host: host) {
            throw S3Error.insecureEndpoint(endpoint.absoluteString)
        }
    }

    /// True for `localhost`, an IPv4 address in 127.0.0.0/8 and `::1` (bracketed or not).
    public static func isLoopback(host: String) -> Bool {
        let name = host.lowercased()
        if name == "localhost" || name == "::1" || name == "[::1]" { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.first == "127" else { return false }
        return octets.allSatisfy { octet in
            !octet.isEmpty && octet.count <= 3 && octet.allSatisfy(\.isASCII) && octet.allSatisfy(\.isNumber) && Int(octet)! <= 255
        }
    }
}
