import Foundation
import LetheCatalog
import LetheCore
import LetheJobs
@testable import LetheS3
import LetheTestSupport
import Testing

/// The offsite jobs against a real S3-compatible server (moto on loopback, started by
/// scripts/s3-test-server.sh): object lock with retain-until = delete-by, refusal while the
/// server's clock is short of it, deletion by version id once it has passed.
///
/// moto's locks run on the real clock, so these homes run on a manual clock set to the real
/// current time: the lock's retain-until is then in the real future.
@Suite struct OffsiteS3Tests {
    static let customers: [String: [String: [UInt8]]] = [
        "alice": ["a.txt": Array("alice".utf8), "blob.bin": randomBytes(200_000, seed: 11)],
        "bob": ["b.txt": Array("bob".utf8)],
    ]

    /// A home whose configuration names a fresh object-lock bucket on the test server, with
    /// credentials from a credentials file (as `lethe init --offsite-credentials-file` sets up);
    /// the store made to create the bucket; the folder holding the file (keep it while the home is used).
    static func makeFixture(now: Date) throws -> (JobFixture, S3ObjectStore, TemporaryDirectory) {
        let endpoint = try #require(OffsiteS3Server.endpoint)
        let bucket = "lethe-offsite-" + RandomName.base32(count: 12)
        let credentials = S3Credentials(accessKeyID: "lethe-test", secretAccessKey: "lethe-test-secret")
        let admin = S3ObjectStore(configuration: try S3Configuration(endpoint: try #require(URL(string: endpoint)), region: "us-east-1",
                                                                     bucket: bucket, addressing: .path, credentials: credentials,
                                                                     lockMode: .governance))
        try admin.createBucket(objectLock: true)
        let secrets = try TemporaryDirectory(prefix: "lethe-offsite-credentials")
        let file = secrets.url.appendingPathComponent("credentials")
        try Data("[lethe]\naws_access_key_id = \(credentials.accessKeyID)\naws_secret_access_key = \(credentials.secretAccessKey)\n".utf8).write(to: file)
        let fixture = try JobFixture(customers: customers, now: now,
                                     offsite: OffsiteSettings(endpoint: endpoint, region: "us-east-1", bucket: bucket, pathStyle: true,
                                                              credentialsFile: file.path, profile: "lethe"))
        return (fixture, admin, secrets)
    }

    /// Start of the UTC day `months` calendar months after `date`'s (the default policy's
    /// offsite monthly delete-by), computed with Foundation rather than LethePolicy.
    static func utcMidnight(monthsAfter date: Date, _ months: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(byAdding: .month, value: months, to: calendar.startOfDay(for: date))!
    }

    /// The real current time in whole seconds.
    static func realNow() -> Date { Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)) }

    /// A backup today puts each monthly's offsite copy in the bucket with a version id, locked
    /// (governance) until its delete-by six months on. Expire with the local clock moved past that
    /// date: the local copies go; the offsite ones cannot (the server's clock is months short of
    /// the lock, and the server itself refuses a versioned delete), so they stay overdue, the run
    /// is partial, and every version is still listed. Their expiry key is destroyed all the same:
    /// they can no longer be read.
    @Test func lockedCopyOutlivesTheLocalClockUntilTheServersDate() throws {
        try OffsiteS3Server.skipUnlessConfigured()
        let now = Self.realNow()
        let (fixture, s3, secrets) = try Self.makeFixture(now: now)
        defer { withExtendedLifetime(secrets) {} }
        let home = try fixture.home()
        #expect(try home.store(for: .offsite) is S3ObjectStore, "the home must build its offsite store from its configuration")

        let backup = try BackupJob(home: home).run()
        #expect(backup.retentionClass == .monthly)
        #expect(backup.offsite.map(\.status) == [.copied, .copied], "\(backup.offsite.compactMap(\.message))")
        let deleteBy = Self.utcMidnight(monthsAfter: now, 6)
        let offsite = try Inventory(home: fixture.home()).copies().filter { $0.location == "offsite" }
        #expect(offsite.count == 2)
        for copy in offsite {
            #expect(copy.delete_by == Timestamp.iso(deleteBy))
            #expect(copy.locked_until == copy.delete_by)
            let key = try #require(ObjectKey(copy.object_key))
            let stored = try #require(try s3.head(key))
            #expect(stored.versionID != nil && stored.versionID == copy.version_id)
            #expect(stored.lockedUntil == deleteBy)
            #expect(try s3.listVersions(prefix: key.rawValue).map(\.versionID) == [copy.version_id])
            let remote = try s3.get(key) { try $0.readAll() }
            let local = [UInt8](try Data(contentsOf: fixture.store.appendingPathComponent(copy.object_key)))
            #expect(archiveBody(remote) == archiveBody(local))
        }

        fixture.clock.set(deleteBy.addingTimeInterval(3600))
        let expire = try ExpireJob(home: fixture.home()).run()
        #expect(expire.state == .partial)
        #expect(expire.count(.deleted) == 2 && expire.count(.failed) == 2)
        #expect(expire.results.filter { $0.status == .failed }.allSatisfy { $0.message?.contains("locked") == true })
        let after = try Inventory(home: fixture.home()).copies()
        #expect(after.filter { $0.location == "local" }.allSatisfy { $0.state == "deleted" })
        #expect(after.filter { $0.location == "offsite" }.allSatisfy { $0.state == "overdue" })
        for copy in offsite {
            let key = ObjectKey(copy.object_key)!
            // The server refuses too, not only expire's own check against the server's clock.
            #expect(throws: ObjectStoreError.objectLocked(key, until: deleteBy)) { try s3.delete(key, versionID: copy.version_id) }
            #expect(try s3.listVersions(prefix: key.rawValue).map(\.versionID) == [copy.version_id])
        }
        // Cryptographic expiry does not wait for the store: the copy is unreadable.
        #expect(throws: JobError.self) {
            try RestoreJob(home: fixture.home()).run(customer: CustomerID("alice")!, set: nil, from: .offsite,
                                                     to: fixture.root.url.appendingPathComponent("late"))
        }
    }

    /// The "after the date" half, through the jobs: expire deletes an offsite copy by version
    /// id once the server's lock has passed, together with any other version stored at its key,
    /// confirms with a version listing that none is left, and only then marks it deleted; a copy
    /// whose key still holds a locked version stays overdue.
    ///
    /// moto enforces locks on the real clock and a delete-by is always a local midnight, so no
    /// copy made by the jobs has a lock that passes within a test's seconds. Here the only change
    /// is in what reaches the server: `ShortLockStore` hands it a retain-until two seconds past
    /// the server's own clock (its `Date` header) instead of the delete-by (the catalog records
    /// the lock the server applied, as it always does). Every relation the test relies on is
    /// with the server's clock, waited for rather than raced: no wall-clock window. (The refusal
    /// while the server's clock is short of a lock is `lockedCopyOutlivesTheLocalClockUntilTheServersDate`,
    /// with locks months ahead.)
    ///
    /// Once both locks passed, each copy's key gets a second version, as a retried upload leaves
    /// on a server without conditional writes: an unlocked one at the first copy's key, one
    /// locked until the real delete-by at the second's.
    @Test func expireDeletesEveryVersionOnceTheServersLocksHavePassed() throws {
        try OffsiteS3Server.skipUnlessConfigured()
        let now = Self.realNow()
        let (fixture, s3, secrets) = try Self.makeFixture(now: now)
        defer { withExtendedLifetime(secrets) {} }
        let configured = try #require(try fixture.home().store(for: .offsite) as? S3ObjectStore)
        let offsite = ShortLockStore(configured, lockSeconds: 2)
        let backup = try BackupJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(backup.offsite.map(\.status) == [.copied, .copied], "\(backup.offsite.compactMap(\.message))")
        let copies = try Inventory(home: fixture.home(offsiteStore: offsite)).copies().filter { $0.location == "offsite" }.sorted { $0.object_key < $1.object_key }
        #expect(copies.count == 2)
        let locks = copies.compactMap { $0.locked_until.flatMap(Timestamp.parse) }
        let lastLock = try #require(locks.max())
        #expect(locks.count == 2 && lastLock <= (offsite.latestServerNow ?? .distantPast).addingTimeInterval(3))

        // Wait for the server's own clock (not ours) to pass both locks, then add the versions.
        while (s3.serverDate() ?? .distantPast) <= lastLock {
            Thread.sleep(forTimeInterval: 0.25)
            _ = try s3.list(prefix: "none/")
        }
        let deleteBy = Self.utcMidnight(monthsAfter: now, 6)
        let (unlockedKey, lockedKey) = (ObjectKey(copies[0].object_key)!, ObjectKey(copies[1].object_key)!)
        _ = try s3.put(unlockedKey, lockUntil: nil) { try $0.write(Array("a retried upload's twin".utf8)) }
        _ = try s3.put(lockedKey, lockUntil: deleteBy) { try $0.write(Array("a retried upload's locked twin".utf8)) }
        #expect(try s3.versions(of: unlockedKey).count == 2 && s3.versions(of: lockedKey).count == 2)

        fixture.clock.set(deleteBy.addingTimeInterval(3600))
        let due = try ExpireJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(due.state == .partial && due.count(.deleted) == 3 && due.count(.failed) == 1)
        #expect(try s3.versions(of: unlockedKey).isEmpty, "a version of a copy marked deleted is still stored")
        #expect(try s3.head(unlockedKey) == nil)
        #expect(try s3.versions(of: lockedKey).count == 2, "nothing is deleted while a version at the key is locked")
        let rows = try Inventory(home: fixture.home(offsiteStore: offsite)).copies()
        #expect(rows.filter { $0.location == "local" }.allSatisfy { $0.state == "deleted" })
        #expect(rows.first { $0.object_key == unlockedKey.rawValue && $0.location == "offsite" }?.state == "deleted")
        #expect(rows.first { $0.object_key == lockedKey.rawValue && $0.location == "offsite" }?.state == "overdue")
        let deletions = try fixture.home().catalog.ledger().filter { $0.kind == "copy.deleted" && $0.details["location"] == "offsite" }
        #expect(deletions.map { $0.details["object_key"] } == [unlockedKey.rawValue])
    }

    /// A multipart upload a killed run left on moto: `verify` reports it, and the next run's
    /// preparation aborts it (moto dates every upload 2010-11-10, so it is "over a day old" by the
    /// server's clock; the younger-than-a-day half is on the fake server, `OffsiteStoreHygieneTests`).
    @Test func anAbandonedMultipartUploadIsReportedThenAborted() throws {
        try OffsiteS3Server.skipUnlessConfigured()
        let (fixture, s3, secrets) = try Self.makeFixture(now: Self.realNow())
        defer { withExtendedLifetime(secrets) {} }
        let killed = S3Upload(store: s3, key: ObjectKey("archives/pkilled/20261101T000000Z-kill/akilled.lethe")!, extraHeaders: [:])
        try killed.write(Array(repeating: 7, count: 9 << 20))  // begins the upload and sends a part; never finished
        #expect(try s3.listMultipartUploads(prefix: "archives/").count == 1)

        let report = try StructureVerification(home: fixture.home()).run()
        #expect(report.findings.map(\.objectKey.rawValue) == ["archives/pkilled/20261101T000000Z-kill/akilled.lethe"])
        #expect(report.findings.first?.problem.contains("unfinished multipart upload") == true)

        _ = try ExpireJob(home: fixture.home()).run()
        #expect(try s3.listMultipartUploads(prefix: "").isEmpty)
        #expect(try StructureVerification(home: fixture.home()).run().findings.isEmpty)
        #expect(try fixture.home().catalog.events(kinds: ["store.uploads_aborted"]).count == 1)
    }

    @Test func offsiteS3CasesRun() throws {
        try OffsiteS3Server.skipUnlessConfigured()
        #expect(OffsiteS3Server.endpoint != nil)
    }
}

/// Where the S3 test server is (scripts/s3-test-server.sh sets LETHE_TEST_S3_ENDPOINT).
enum OffsiteS3Server {
    static var endpoint: String? {
        ProcessInfo.processInfo.environment["LETHE_TEST_S3_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Skips the test (with a message) when no server is configured; in CI that is a failure.
    static func skipUnlessConfigured() throws {
        guard endpoint == nil else { return }
        if ProcessInfo.processInfo.environment["CI"] != nil {
            Issue.record("LETHE_TEST_S3_ENDPOINT must be set in CI: run the tests through scripts/s3-test-server.sh run")
        }
        try Test.cancel("LETHE_TEST_S3_ENDPOINT is unset: offsite S3 cases skipped; run them with scripts/s3-test-server.sh run swift test --filter OffsiteS3Tests")
    }
}

/// Passes everything to an S3 store, except that a lock asked for is shortened to a few
/// seconds past the server's own clock (its `Date` header, read just before the upload): the
/// only way to see a real server's lock pass inside a test, and a relation with the server's
/// clock rather than ours.
final class ShortLockStore: ForwardingObjectStore, @unchecked Sendable {
    let inner: S3ObjectStore
    let lockSeconds: TimeInterval
    private let lock = NSLock()
    private var serverNow: Date?

    init(_ inner: S3ObjectStore, lockSeconds: TimeInterval) {
        self.inner = inner
        self.lockSeconds = lockSeconds
    }

    /// The server's clock as read before the latest upload.
    var latestServerNow: Date? { lock.withLock { serverNow } }

    func put(_ key: ObjectKey, lockUntil: Date?, body: (any ByteSink) throws -> Void) throws -> StoredObject {
        _ = try inner.list(prefix: "none/")  // a fresh Date header
        guard let now = inner.serverDate() else { throw ObjectStoreError.failed("the S3 test server sent no Date header") }
        lock.withLock { serverNow = max(serverNow ?? now, now) }
        return try inner.put(key, lockUntil: lockUntil.map { min($0, now.addingTimeInterval(lockSeconds)) }, body: body)
    }
}
