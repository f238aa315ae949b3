import Foundation
import LetheCatalog
import LetheCore
import LetheJobs
import LetheS3
import LetheTestSupport
import Testing

/// The offsite jobs leave nothing in the bucket the catalog does not account for: expire
/// deletes every version at a copy's key and confirms with a version listing; a cancelled
/// pending copy takes whatever was stored at its key with it (unless locked); multipart uploads
/// abandoned for a day, by the store's clock, are aborted and `verify` reports any it sees.
///
/// Against the fake versioned S3 server, whose clock the test sets (no wall-clock windows): it
/// starts on the job's manual clock, and both move together or apart as each case needs.
@Suite(.serialized) struct OffsiteStoreHygieneTests {
    static let customers: [String: [String: [UInt8]]] = [
        "alice": ["a.txt": Array("alice".utf8)],
        "bob": ["b.txt": Array("bob".utf8)],
    ]

    /// A fresh home (2026-11-01: the first set is the monthly) and a fake server on its clock.
    static func setUp() throws -> (JobFixture, FakeVersionedS3Server) {
        let fixture = try JobFixture(customers: customers)
        let server = try FakeVersionedS3Server()
        try setClocks(fixture, server, to: fixture.clock.now())
        return (fixture, server)
    }

    /// The store the homes use: the fake server, object lock in governance mode.
    static func store(_ server: FakeVersionedS3Server, attempts: Int = 6) throws -> S3ObjectStore {
        let retry = S3RetryPolicy(maxAttempts: attempts, baseDelay: 0, maxDelay: 0) { _ in }
        return S3ObjectStore(configuration: try S3Configuration(
            endpoint: server.endpoint, region: "us-east-1", bucket: "lethe", addressing: .path,
            credentials: S3Credentials(accessKeyID: "fake", secretAccessKey: "fake-secret"), lockMode: .governance,
            retry: retry, requestTimeout: 3))  // URLSession's own body-less resend after a reset waits for this
    }

    /// Sets the job's clock and the server's to the same instant.
    static func setClocks(_ fixture: JobFixture, _ server: FakeVersionedS3Server, to date: Date) throws {
        fixture.clock.set(date)
        try server.setClock(offset: date.timeIntervalSince(Date()))
    }

    static func offsiteRows(_ fixture: JobFixture) throws -> [CopyListing] {
        try Inventory(home: fixture.home()).copies().filter { $0.location == "offsite" }
    }

    /// Each offsite copy's key also holds an older version (the first attempt of a retried PUT
    /// on a server that ignores conditional writes). Alice's is locked as long as her copy; Bob's
    /// a day longer. An hour past the delete-by (both clocks), expire removes both of Alice's
    /// versions, but leaves Bob's copy overdue, not deleted, while his older version is locked;
    /// a day later it goes too. No version is left.
    @Test func expireDoesNotMarkACopyDeletedWhileAnotherVersionRemains() throws {
        let (fixture, server) = try Self.setUp()
        defer { server.stop() }
        let s3 = try Self.store(server)
        let backup = try BackupJob(home: fixture.home(offsiteStore: s3)).run()
        #expect(backup.offsite.map(\.status) == [.copied, .copied], "\(backup.offsite.compactMap(\.message))")
        let rows = try Self.offsiteRows(fixture)
        let alice = try #require(rows.first { $0.pseudonym == rows.map(\.pseudonym).min() })
        let bob = try #require(rows.first { $0.pseudonym != alice.pseudonym })
        let deleteBy = try #require(Timestamp.parse(alice.delete_by))
        try server.plantOrphan(key: alice.object_key)
        try server.plantOrphan(key: bob.object_key, until: deleteBy.addingTimeInterval(86_400))
        #expect(try s3.versions(of: ObjectKey(bob.object_key)!).count == 2)

        try Self.setClocks(fixture, server, to: deleteBy.addingTimeInterval(3600))
        let first = try ExpireJob(home: fixture.home(offsiteStore: s3)).run()
        #expect(first.state == .partial)
        let after = try Self.offsiteRows(fixture)
        #expect(after.first { $0.object_key == alice.object_key }?.state == "deleted")
        #expect(after.first { $0.object_key == bob.object_key }?.state == "overdue", "marked deleted while a locked version remains")
        #expect(try s3.versions(of: ObjectKey(alice.object_key)!).isEmpty, "a version of a deleted copy is still stored")
        #expect(try s3.versions(of: ObjectKey(bob.object_key)!).count >= 1)
        #expect(first.results.contains { $0.status == .failed && $0.message?.contains("locked") == true })

        try Self.setClocks(fixture, server, to: deleteBy.addingTimeInterval(86_400 + 3600))
        let second = try ExpireJob(home: fixture.home(offsiteStore: s3)).run()
        #expect(second.state == .complete)
        #expect(try Self.offsiteRows(fixture).allSatisfy { $0.state == "deleted" })
        #expect(try s3.listVersions(prefix: ObjectKey.archivePrefix).isEmpty)
    }

    /// The server stores the upload, then the connection drops and the copier gives up (one
    /// attempt): the copy is pending, and its object is stored and locked. Cancelling it (its
    /// delete-by passed on the job's clock) while the store's clock is short of the lock leaves
    /// it pending, saying why; once the store's clock passes the lock, the next run deletes the
    /// object by version and only then marks the copy deleted.
    @Test func cancellingAPendingCopyDeletesWhatIsStoredAtItsKey() throws {
        let (fixture, server) = try Self.setUp()
        defer { server.stop() }
        try server.resetNextPuts(1)
        let oneTry = try Self.store(server, attempts: 1)
        let backup = try BackupJob(home: fixture.home(offsiteStore: oneTry)).run()
        #expect(backup.offsite.allSatisfy { $0.status == .pending })
        let pending = try Self.offsiteRows(fixture)
        #expect(pending.count == 2 && pending.allSatisfy { $0.state == "pending" })
        let stored = try oneTry.listVersions(prefix: "archives/")
        #expect(stored.count == 1, "the first upload was stored before its connection dropped")
        let deleteBy = try #require(Timestamp.parse(pending[0].delete_by))

        let s3 = try Self.store(server)
        fixture.clock.set(deleteBy.addingTimeInterval(3600))  // the store's clock stays at the backup
        let early = try ExpireJob(home: fixture.home(offsiteStore: s3)).run()
        #expect(early.state == .partial)
        let held = try fixture.home().catalog.copies(location: .offsite).first { $0.objectKey == stored[0].key }
        #expect(held?.state == .pending, "cancelled while its locked object is still stored")
        #expect(early.results.contains { $0.action == .cancelPending && $0.status == .failed && $0.message?.contains("locked") == true })
        #expect(try s3.listVersions(prefix: "archives/").count == 1)

        try Self.setClocks(fixture, server, to: deleteBy.addingTimeInterval(7200))
        let due = try ExpireJob(home: fixture.home(offsiteStore: s3)).run()
        #expect(due.state == .complete)
        #expect(try Self.offsiteRows(fixture).allSatisfy { $0.state == "deleted" })
        #expect(try s3.listVersions(prefix: ObjectKey.archivePrefix).isEmpty, "a cancelled copy's object is still stored")
    }

    /// The copier's catch-up gives up a pending copy whose local source expired before it could
    /// be uploaded (local copies kept a month, offsite six here). Its key holds what the
    /// interrupted upload stored, locked for months: the copy stays pending, saying why, rather
    /// than be closed over a locked object. Once the store's clock passes the lock, the expire
    /// that cancels it deletes the object first.
    @Test func abandoningAPendingCopyHonoursTheLockOnWhatIsStoredAtItsKey() throws {
        let policy = """
            name: short-local
            timezone: UTC
            max_age: 190d
            local: { monthly: 1m }
            offsite: { monthly: 6m, object_lock: governance }
            """
        let fixture = try JobFixture(customers: ["alice": Self.customers["alice"]!], policy: policy)
        let server = try FakeVersionedS3Server()
        defer { server.stop() }
        let start = fixture.clock.now()
        try Self.setClocks(fixture, server, to: start)
        try server.resetNextPuts(1)
        let first = try BackupJob(home: fixture.home(offsiteStore: Self.store(server, attempts: 1))).run()
        #expect(first.offsite.map(\.status) == [.pending])
        let s3 = try Self.store(server)
        #expect(try s3.listVersions(prefix: "archives/").count == 1)

        try Self.setClocks(fixture, server, to: start.addingTimeInterval(40 * 86_400))  // the local copy expired
        _ = try BackupJob(home: fixture.home(offsiteStore: s3)).run()
        let pending = try fixture.home().catalog.copies(location: .offsite).filter { $0.setID == first.set }
        #expect(pending.map(\.state) == [.pending], "given up while its locked object is still stored")
        let refusals = try fixture.home().catalog.events(kinds: ["copy.cancel_failed"])
        #expect(refusals.count == 1 && refusals.first?.details["error"]?.contains("locked") == true)
        #expect(try s3.listVersions(prefix: "archives/").filter { $0.key == pending.first?.objectKey }.count == 1)

        let deleteBy = try #require(pending.first?.deleteBy)
        try Self.setClocks(fixture, server, to: deleteBy.addingTimeInterval(3600))
        _ = try ExpireJob(home: fixture.home(offsiteStore: s3)).run()
        #expect(try fixture.home().catalog.copies(location: .offsite).first { $0.setID == first.set }?.state == .deleted)
        #expect(try s3.listVersions(prefix: "archives/").filter { $0.key == pending.first?.objectKey }.isEmpty)
    }

    /// The run's preparation finds the store unreachable (its listing of multipart uploads spends
    /// its retries): the uploads of that run are not attempted, each of which would spend as long
    /// again, and the copies stay pending for the next run.
    @Test func aStoreFoundDownWhilePreparingIsNotTriedAgainByTheUploads() throws {
        let fixture = try JobFixture(customers: Self.customers)
        let attempts = AttemptCounter()
        let retry = S3RetryPolicy(maxAttempts: 3, baseDelay: 0, maxDelay: 0) { _ in attempts.add() }
        let down = S3ObjectStore(configuration: try S3Configuration(
            endpoint: URL(string: "http://127.0.0.1:9")!, region: "us-east-1", bucket: "lethe", addressing: .path,
            credentials: S3Credentials(accessKeyID: "fake", secretAccessKey: "fake-secret"), lockMode: .governance, retry: retry))
        let backup = try BackupJob(home: fixture.home(offsiteStore: down)).run()
        #expect(backup.offsite.map(\.status) == [.pending, .pending])
        #expect(backup.offsite.allSatisfy { $0.message?.contains("unavailable earlier in this run") == true })
        #expect(attempts.value == 2, "one request's retries, not one per upload as well")
    }

    /// `verify` sees versions, not only current objects: a second version at a live copy's key
    /// (a retried upload's twin) is reported (exit 3 from the CLI), though `list` shows one object.
    @Test func verifyReportsASecondVersionAtACopysKey() throws {
        let (fixture, server) = try Self.setUp()
        defer { server.stop() }
        let s3 = try Self.store(server)
        _ = try BackupJob(home: fixture.home(offsiteStore: s3)).run()
        #expect(try StructureVerification(home: fixture.home(offsiteStore: s3)).run().findings.isEmpty)
        let copy = try #require(try Self.offsiteRows(fixture).first)
        try server.plantOrphan(key: copy.object_key)
        let report = try StructureVerification(home: fixture.home(offsiteStore: s3)).run()
        #expect(report.findings.count == 1)
        #expect(report.findings.first?.objectKey.rawValue == copy.object_key)
        #expect(report.findings.first?.problem.contains("2 versions") == true)
    }

    /// Multipart uploads under Lethe's prefix begun more than a day ago by the store's clock are
    /// aborted by the next run's preparation; a younger one is left alone (it may be in flight)
    /// even with the job's clock a year ahead (as `LETHE_NOW` simulations run), and so is one
    /// outside the prefix. `verify` reports the one left.
    @Test func abandonedMultipartUploadsAreAbortedByTheStoresClockAndReported() throws {
        let (fixture, server) = try Self.setUp()
        defer { server.stop() }
        let s3 = try Self.store(server)
        try server.plantUpload(key: "archives/p/s/old.lethe", age: 25 * 3600)
        try server.plantUpload(key: "archives/p/s/young.lethe", age: 3600)
        try server.plantUpload(key: "elsewhere/old", age: 25 * 3600)
        fixture.clock.set(fixture.clock.now().addingTimeInterval(366 * 86_400))

        _ = try ExpireJob(home: fixture.home(offsiteStore: s3)).run()
        #expect(try s3.listMultipartUploads(prefix: "").map(\.key).sorted() == ["archives/p/s/young.lethe", "elsewhere/old"])
        let ledger = try fixture.home().catalog.ledger()
        #expect(ledger.contains { $0.kind == "store.uploads_aborted" && $0.details["count"] == "1" })

        let report = try StructureVerification(home: fixture.home(offsiteStore: s3)).run()
        let finding = try #require(report.findings.first { $0.objectKey.rawValue == "archives/p/s/young.lethe" })
        #expect(finding.location == .offsite && finding.problem.contains("multipart upload"))
        #expect(report.findings.count == 1)
    }
}

/// Counts retries.
final class AttemptCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
