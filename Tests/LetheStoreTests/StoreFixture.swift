import Foundation
import LetheCore
@testable import LetheS3
import LetheStore
import LetheTestSupport
import Testing

/// The implementations the conformance suite runs against.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case local, memory, s3

    var testDescription: String { rawValue }

    /// Every kind that can run here: S3 only when the test server is configured.
    static var available: [StoreKind] { S3TestServer.endpoint == nil ? [.local, .memory] : allCases }
    /// The kinds that can lock objects.
    static var locking: [StoreKind] { available.filter { $0 != .local } }
}

/// Where the S3 test server is (see scripts/s3-test-server.sh, which sets these variables).
enum S3TestServer {
    static let environment = ProcessInfo.processInfo.environment
    static var endpoint: URL? { environment["LETHE_TEST_S3_ENDPOINT"].flatMap { $0.isEmpty ? nil : URL(string: $0) } }
    static var authEndpoint: URL? { environment["LETHE_TEST_S3_AUTH_ENDPOINT"].flatMap { $0.isEmpty ? nil : URL(string: $0) } }
    static var authCredentials: S3Credentials? {
        guard let id = environment["LETHE_TEST_S3_AUTH_ACCESS_KEY"], let secret = environment["LETHE_TEST_S3_AUTH_SECRET"] else { return nil }
        return S3Credentials(accessKeyID: id, secretAccessKey: secret)
    }
    static var configured: Bool { endpoint != nil }
    static let skipMessage: Comment = "LETHE_TEST_S3_ENDPOINT is unset: S3 cases skipped; run them with scripts/s3-test-server.sh run swift test --filter LetheStoreTests"

    /// A fresh bucket name, so tests running in parallel never share one.
    static func bucketName() -> String { "lethe-test-" + RandomName.base32(count: 12) }

    /// A configuration for a fresh bucket on the plain server, with small sizes so multipart and
    /// ranged reads happen with small bodies, and quick retries.
    static func configuration(endpoint: URL? = endpoint, bucket: String = bucketName(),
                              credentials: S3Credentials = S3Credentials(accessKeyID: "lethe-test", secretAccessKey: "lethe-test-secret"),
                              lockMode: ObjectLockMode? = .governance,
                              retry: S3RetryPolicy = S3RetryPolicy(maxAttempts: 3, baseDelay: 0.01, maxDelay: 0.05)) throws -> S3Configuration {
        try S3Configuration(endpoint: try #require(endpoint), region: "us-east-1", bucket: bucket, addressing: .path,
                            credentials: credentials, lockMode: lockMode,
                            multipartThreshold: 5 << 20, partSize: 5 << 20, readChunkSize: 1 << 20,
                            retry: retry, requestTimeout: 20)
    }

    /// A store on a fresh bucket with object lock.
    static func makeStore(listPageSize: Int = 1000) throws -> S3ObjectStore {
        var configuration = try configuration()
        configuration.listPageSize = listPageSize
        let store = S3ObjectStore(configuration: configuration)
        try store.createBucket(objectLock: true)
        return store
    }
}

/// One store under test, with what the suite needs to drive it.
final class StoreFixture {
    let kind: StoreKind
    let store: any ObjectStore
    /// The manual clock of the in-memory store.
    let clock: ManualClock?
    private let directory: TemporaryDirectory?

    init(_ kind: StoreKind, listPageSize: Int = 1000) throws {
        self.kind = kind
        switch kind {
        case .local:
            let directory = try TemporaryDirectory()
            self.directory = directory
            clock = nil
            store = LocalDirectoryStore(root: directory.url)
        case .memory:
            directory = nil
            let clock = ManualClock()
            self.clock = clock
            store = InMemoryObjectStore(location: .offsite, clock: clock, lockMode: .governance)
        case .s3:
            directory = nil
            clock = nil
            store = try S3TestServer.makeStore(listPageSize: listPageSize)
        }
    }

    /// Removes what the fixture made on disk (the temporary directory of a local store).
    func close() { directory?.remove() }

    /// The store's own notion of now (the server's clock for S3).
    func now() throws -> Date {
        switch kind {
        case .memory: return clock!.now()
        case .s3:
            let s3 = store as! S3ObjectStore
            if let date = s3.serverDate() { return date }
            _ = try s3.list(prefix: "")
            return try #require(s3.serverDate())
        case .local: return Date()
        }
    }

    /// Moves past `date` on the store's clock: jumps the manual clock, or waits for the server.
    func pass(_ date: Date) throws {
        switch kind {
        case .memory: clock!.set(date.addingTimeInterval(1))
        case .s3, .local:
            while try now() <= date {
                Thread.sleep(forTimeInterval: 0.25)
                _ = try store.list(prefix: "none/")
            }
        }
    }

    /// Leaves what a put of `key` cut short by a dying process leaves: a temporary file (local),
    /// an unfinished write (in memory), a multipart upload begun with one part sent (S3).
    func abandonWrite(_ key: ObjectKey) throws {
        switch kind {
        case .local:
            let folder = (store as! LocalDirectoryStore).root.appendingPathComponent(key.rawValue).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(patternBytes(100)).write(to: folder.appendingPathComponent(LocalDirectoryStore.temporaryPrefix + RandomName.base32(count: 16)))
        case .memory: (store as! InMemoryObjectStore).abandonPut(key)
        case .s3:
            let upload = S3Upload(store: store as! S3ObjectStore, key: key, extraHeaders: [:])
            try upload.write(patternBytes(6 << 20))  // begins the multipart upload and sends a part; never finished
        }
    }

    /// Every version the store still holds under `prefix`, where it keeps versions.
    func versions(prefix: String) throws -> [StoredObject] {
        switch kind {
        case .memory: return (store as! InMemoryObjectStore).listVersions(prefix: prefix)
        case .s3: return try (store as! S3ObjectStore).listVersions(prefix: prefix)
        case .local: return try store.list(prefix: prefix)
        }
    }
}

/// Bytes that differ from one offset to the next, so a misplaced range shows.
func patternBytes(_ count: Int, seed: UInt8 = 7) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ ($0 >> 8) &+ Int(seed)) }
}

func key(_ text: String) -> ObjectKey { ObjectKey(text)! }

/// Stores `bytes` in chunks of `chunk` bytes.
@discardableResult
func put(_ store: any ObjectStore, _ key: ObjectKey, _ bytes: [UInt8], lockUntil: Date? = nil, chunk: Int = 1 << 16) throws -> StoredObject {
    try store.put(key, lockUntil: lockUntil) { sink in
        var offset = 0
        repeat {
            let end = min(bytes.count, offset + chunk)
            try sink.write(Array(bytes[offset..<end]))
            offset = end
        } while offset < bytes.count
    }
}

func read(_ store: any ObjectStore, _ key: ObjectKey) throws -> [UInt8] {
    try store.get(key) { try $0.readAll() }
}

/// An error only the test throws, to check it comes back unchanged.
struct BodyFailed: Error, Equatable {}
