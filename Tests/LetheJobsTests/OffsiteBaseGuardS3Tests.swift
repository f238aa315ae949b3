import Foundation
import LetheCatalog
import LetheCore
import LetheJobs
@testable import LetheS3
import LetheTestSupport
import Testing

/// The offsite copier's base guard against the S3 test server (invariant 15): a differential is
/// uploaded only where its base has a live copy that outlives it and that `verify` did not find
/// wrong; otherwise it stays pending, says why, and nothing is stored at its key (no orphan that
/// could never be read from offsite).
///
/// One customer: the monthly of 1 November 2026 is copied offsite; on the 2nd the store is down,
/// so the weekly (a differential against the monthly, written while the monthly's offsite copy
/// was live) stays pending; then the monthly's offsite copy is lost; on the 3rd the store is up
/// and the run catches up.
@Suite struct OffsiteBaseGuardS3Tests {
    static func at(_ text: String) -> Date { Timestamp.parse(text)! }
    /// The default policy without the object lock (so a test can remove an object).
    static let unlockedPolicy = """
        name: unlocked
        timezone: UTC
        max_age: 190d
        local: { daily: 7d, weekly: 5w, monthly: 6m }
        offsite: { weekly: 5w, monthly: 6m, object_lock: none }
        """

    /// A home with a fresh bucket on the test server; the store (to inject as the offsite
    /// store, wrapped to go down); the monthly's and the weekly's offsite rows after night 2.
    static func twoNights() throws -> (JobFixture, FaultyObjectStore, S3ObjectStore, monthly: CopyRecord, weekly: CopyRecord) {
        let endpoint = try #require(OffsiteS3Server.endpoint)
        let bucket = "lethe-base-guard-" + RandomName.base32(count: 12)
        let store = S3ObjectStore(configuration: try S3Configuration(
            endpoint: try #require(URL(string: endpoint)), region: "us-east-1", bucket: bucket, addressing: .path,
            credentials: S3Credentials(accessKeyID: "lethe-test", secretAccessKey: "lethe-test-secret"), lockMode: nil))
        try store.createBucket(objectLock: true)  // versioned, as Lethe expects; the policy locks nothing
        let fixture = try JobFixture(customers: ["alice": ["a.txt": Array("alice".utf8), "blob.bin": randomBytes(100_000, seed: 21)]],
                                     now: at("2026-11-01T00:00:00Z"), policy: unlockedPolicy)
        let offsite = FaultyObjectStore(wrapping: store)
        fixture.clock.set(at("2026-11-01T02:00:00Z"))
        #expect(try BackupJob(home: fixture.home(offsiteStore: offsite)).run().offsite.map(\.status) == [.copied])
        fixture.clock.set(at("2026-11-02T02:00:00Z"))
        offsite.isDown = true
        let weeklyRun = try BackupJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(weeklyRun.offsite.map(\.status) == [.pending])
        offsite.isDown = false
        let home = try fixture.home(offsiteStore: offsite)
        let monthly = try #require(try home.catalog.copies(location: .offsite, states: [.live]).first)
        let weekly = try #require(try home.catalog.copies(location: .offsite, states: [.pending]).first)
        #expect(monthly.retentionClass == .monthly && weekly.retentionClass == .weekly)
        #expect(weekly.baseArchiveID == monthly.archiveID)
        return (fixture, offsite, store, monthly, weekly)
    }

    /// Night 3's catch-up: the weekly stays pending with the reason, the ledger says why, and
    /// nothing is stored at its key.
    static func expectStaysPending(_ fixture: JobFixture, _ offsite: FaultyObjectStore, _ store: S3ObjectStore,
                                   weekly: CopyRecord) throws {
        fixture.clock.set(at("2026-11-03T02:00:00Z"))
        let home = try fixture.home(offsiteStore: offsite)
        let outcome = try BackupJob(home: home).run()
        let caughtUp = try #require(outcome.offsite.first { $0.set == weekly.setID })
        #expect(caughtUp.status == .pending)
        #expect(caughtUp.message?.contains("base archive \(weekly.baseArchiveID?.rawValue ?? "?")") == true, "\(caughtUp.message ?? "")")
        #expect(try home.catalog.copies(set: weekly.setID, location: .offsite).map(\.state) == [.pending])
        #expect(try store.versions(of: weekly.objectKey).isEmpty)
        let refused = try home.catalog.ledger().filter { $0.kind == "copy.upload_failed" && $0.details["set"] == weekly.setID.rawValue }
        #expect(refused.last?.details["error"]?.contains("base archive") == true, "\(refused.map(\.details))")
    }

    /// The monthly's offsite row no longer live (a catalog that lost it: hand-edited here).
    @Test func aDifferentialWhoseBaseHasNoLiveOffsiteCopyStaysPending() throws {
        try OffsiteS3Server.skipUnlessConfigured()
        let (fixture, offsite, store, monthly, weekly) = try Self.twoNights()
        try fixture.editCatalog("UPDATE copies SET state = 'deleted' WHERE id = \(monthly.id)")
        try Self.expectStaysPending(fixture, offsite, store, weekly: weekly)
    }

    /// The monthly's offsite object gone from the bucket, and `verify --copies` found it missing:
    /// its row is still live, but it is no base to upload a differential against.
    @Test func aDifferentialWhoseOffsiteBaseVerifyFoundMissingStaysPending() throws {
        try OffsiteS3Server.skipUnlessConfigured()
        let (fixture, offsite, store, monthly, weekly) = try Self.twoNights()
        for version in try store.versions(of: monthly.objectKey) { try store.delete(monthly.objectKey, versionID: version.versionID) }
        let checks = try CopyVerification(home: fixture.home(offsiteStore: offsite)).run(location: .offsite)
        #expect(checks.first { $0.set == monthly.setID }?.problem != nil)
        #expect(try fixture.home().catalog.copyFindings()[monthly.id]?.kind == .missing)
        try Self.expectStaysPending(fixture, offsite, store, weekly: weekly)
    }
}
