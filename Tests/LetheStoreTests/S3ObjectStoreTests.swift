import Foundation
import LetheCore
@testable import LetheS3
import LetheCrypto
import LetheTestSupport
import Testing

/// S3-only behaviour against moto: multipart, signatures, outages, checksums.
@Suite(.enabled(if: S3TestServer.configured, S3TestServer.skipMessage))
struct S3ObjectStoreTests {
    @Test func multipartUploadRoundTripsThroughRangedReads() throws {
        let store = try S3TestServer.makeStore()
        let bytes = patternBytes(11 << 20)
        let stored = try put(store, key("mp/big"), bytes, chunk: 1 << 20)
        #expect(stored.size == Int64(bytes.count))
        #expect(try store.head(key("mp/big"))?.size == Int64(bytes.count))
        #expect(try read(store, key("mp/big")) == bytes)
        #expect(try store.listMultipartUploads(prefix: "").isEmpty)
    }

    @Test func failedMultipartUploadLeavesNoObjectAndNoUpload() throws {
        let store = try S3TestServer.makeStore()
        #expect(throws: BodyFailed()) {
            try store.put(key("mp/failed"), lockUntil: nil) { sink in
                for _ in 0..<7 { try sink.write(patternBytes(1 << 20)) }  // one 5 MiB part sent, 2 MiB pending
                throw BodyFailed()
            }
        }
        #expect(try store.head(key("mp/failed")) == nil)
        #expect(try store.list(prefix: "").isEmpty)
        #expect(try store.listVersions(prefix: "").isEmpty)
        #expect(try store.listMultipartUploads(prefix: "").isEmpty, "the aborted upload is still pending")
    }

    @Test func lockedMultipartUploadIsLockedOrRefused() throws {
        // moto ignores object lock on multipart uploads; real S3 applies it. Either way the
        // object must never end up stored without its lock.
        let store = try S3TestServer.makeStore()
        let until = Date().addingTimeInterval(3600)
        do {
            let stored = try put(store, key("mp/locked"), patternBytes(6 << 20), lockUntil: until, chunk: 1 << 20)
            #expect(try #require(stored.lockedUntil) >= until.addingTimeInterval(-1))
        } catch ObjectStoreError.lockUnsupported {
            #expect(try store.head(key("mp/locked")) == nil)
            #expect(try store.listVersions(prefix: "").isEmpty)
        }
    }

    @Test func uploadsCarryTheirSHA256AndReadsCheckIt() throws {
        let store = try S3TestServer.makeStore()
        let bytes = patternBytes(3000)
        try put(store, key("c/x"), bytes)
        let info = try #require(try store.headVersion(key("c/x"), versionID: nil))
        #expect(info.checksum == Data(Digest.sha256(bytes)).base64EncodedString())
    }

    @Test func lockWithoutLockModeIsRefused() throws {
        var configuration = try S3TestServer.configuration(lockMode: nil)
        configuration.lockMode = nil
        let store = S3ObjectStore(configuration: configuration)
        try store.createBucket(objectLock: false)
        #expect(throws: ObjectStoreError.lockUnsupported) { try put(store, key("n/x"), [1], lockUntil: Date().addingTimeInterval(60)) }
        #expect(try store.head(key("n/x")) == nil)
    }

    @Test func bucketWithoutObjectLockRefusesLockedPut() throws {
        let store = S3ObjectStore(configuration: try S3TestServer.configuration())
        try store.createBucket(objectLock: false)
        #expect(throws: ObjectStoreError.lockUnsupported) { try put(store, key("n/x"), [1], lockUntil: Date().addingTimeInterval(60)) }
        #expect(try store.head(key("n/x")) == nil)
    }

    @Test func unreachableStoreIsUnavailableAfterRetries() throws {
        let sleeps = Counter()
        let policy = S3RetryPolicy(maxAttempts: 3, baseDelay: 0.01, maxDelay: 0.01) { _ in sleeps.increment() }
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        let configuration = try S3TestServer.configuration(endpoint: URL(string: "http://127.0.0.1:1")!, retry: policy)
        let store = S3ObjectStore(configuration: configuration)
        do {
            _ = try store.head(key("x"))
            Issue.record("a store nobody listens for answered")
        } catch let error as ObjectStoreError {
            #expect(error.isTransient, "\(error)")
        }
        #expect(sleeps.value == 2)
    }
}

/// Signature V4 checked by moto in its IAM mode (the second server the test script starts).
@Suite(.enabled(if: S3TestServer.authEndpoint != nil, "LETHE_TEST_S3_AUTH_ENDPOINT is unset: signature cases skipped; run them with scripts/s3-test-server.sh run swift test"))
struct S3SignatureTests {
    @Test func correctSignaturesAreAccepted() throws {
        let credentials = try #require(S3TestServer.authCredentials)
        let store = S3ObjectStore(configuration: try S3TestServer.configuration(endpoint: S3TestServer.authEndpoint, credentials: credentials))
        try store.createBucket(objectLock: true)
        // moto re-encodes what it received before checking a signature, so it rejects even
        // boto3's signatures when the path has '+' or '%' or a query value has '/' (checked by
        // hand). Lethe's keys use base32, digits, '-', '.', '_' and '/', and '/' in a key (path) is
        // fine; the listing prefixes here avoid '/' for that reason.
        let names = ["sig-a.b_c-d", "sig-_.~", "sig-p3k2x7.20261129T021000Z-k3f9.lethe"]
        for name in names { try put(store, key(name), patternBytes(100)) }
        #expect(try read(store, key("sig-a.b_c-d")) == patternBytes(100))
        #expect(try store.list(prefix: "sig-").map(\.key.rawValue) == names.sorted())
        for name in names { try store.delete(key(name), versionID: nil) }

        let nested = key("archives/p3k2x7/20261129T021000Z-k3f9/abcdefghijklmnopqrstuvwxyz.lethe")
        let stored = try put(store, nested, patternBytes(2000), lockUntil: Date().addingTimeInterval(1))
        #expect(try store.head(nested)?.size == 2000)
        #expect(try read(store, nested) == patternBytes(2000))
        #expect(try store.listVersions(prefix: "sig").isEmpty)
        #expect(try store.listVersions(prefix: "archives").map(\.versionID) == [stored.versionID])
    }

    @Test func wrongSecretIsAccessDeniedWithoutLeakingIt() throws {
        let good = try #require(S3TestServer.authCredentials)
        let bad = S3Credentials(accessKeyID: good.accessKeyID, secretAccessKey: "wrong-\(good.secretAccessKey.prefix(8))-secret")
        let store = S3ObjectStore(configuration: try S3TestServer.configuration(endpoint: S3TestServer.authEndpoint, credentials: bad))
        do {
            try store.createBucket(objectLock: false)
            Issue.record("a wrong secret was accepted")
        } catch let error as ObjectStoreError {
            guard case .accessDenied(let why) = error else { Issue.record("expected accessDenied, got \(error)"); return }
            #expect(why.contains("SignatureDoesNotMatch"))
            #expect(!error.description.contains(bad.secretAccessKey))
            #expect(!error.description.contains(good.accessKeyID))
        }
    }

    @Test func unknownAccessKeyIsAccessDenied() throws {
        let bad = S3Credentials(accessKeyID: "AKIAUNKNOWNUNKNOWN00", secretAccessKey: "whatever")
        let store = S3ObjectStore(configuration: try S3TestServer.configuration(endpoint: S3TestServer.authEndpoint, credentials: bad))
        #expect {
            _ = try store.list(prefix: "")
        } throws: { error in
            guard case .accessDenied = error as? ObjectStoreError else { return false }
            return true
        }
    }
}

/// A thread-safe counter for closures the code under test calls.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

/// Multipart part sizes: small buffers for ordinary archives, no ceiling for huge ones.
@Suite struct S3PartSizeTests {
    @Test func partsDoubleEveryThousandSoTenThousandPartsHoldTerabytes() {
        let base = 8 << 20
        #expect(S3Upload.partSize(base: base, afterParts: 0) == base)
        #expect(S3Upload.partSize(base: base, afterParts: 999) == base)
        #expect(S3Upload.partSize(base: base, afterParts: 1000) == 2 * base)
        #expect(S3Upload.partSize(base: base, afterParts: 2500) == 4 * base)
        let total = (0..<10_000).reduce(Int64(0)) { $0 + Int64(S3Upload.partSize(base: base, afterParts: $1)) }
        #expect(total > Int64(7) << 40)  // 7.8 TiB within S3's 10,000-part limit
        #expect(Int64(10_000 * base) < Int64(80) << 30)  // what fixed 8 MiB parts would allow: under 80 GiB
    }
}
