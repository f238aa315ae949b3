import Foundation
import LetheCatalog
import LetheCore
import LetheJobs
import LetheKeys
import LetheTestSupport
import Testing

/// Expiry is as final as a shred (issue 10, item 1): a copy of the key store taken before an
/// expire run that destroyed expiry keys, put together with today's key directories and the
/// pre-expiry catalog, opens no copy that expired. Before the fix, the expire run did not rotate
/// the KEK, so the stale key store still unwrapped the destroyed expiry keys and the restore of
/// the expired set succeeded.
@Suite struct ExpiryStaleKeyStoreTests {
    static let customers: [String: [String: [UInt8]]] = ["alice": ["a.txt": Array("alice".utf8)]]

    @Test func aPreExpiryKeyStoreWithTodaysKeyDirectoriesOpensNoExpiredCopy() throws {
        let fixture = try ShredFixture(customers: Self.customers)
        try fixture.backUp()
        let home = try fixture.home()
        let expiring = try #require(try home.catalog.copies(location: .local, states: [.live]).first)
        let stale = fixture.root.url.appendingPathComponent("stale")
        try fixture.copyKeyMaterial(to: stale)
        let storeFolder = URL(fileURLWithPath: try JSONDecoder().decode(LetheJobs.Configuration.self,
            from: Data(contentsOf: fixture.homeURL.appendingPathComponent("lethe.json"))).resolved(in: fixture.homeURL).store)
        let archive = storeFolder.appendingPathComponent(expiring.objectKey.rawValue)
        let archiveBytes = try Data(contentsOf: archive)

        // Past the first copy's delete-by: expire destroys its expiry key and deletes it.
        fixture.clock.set(expiring.deleteBy.addingTimeInterval(3_600))
        let outcome = try ExpireJob(home: fixture.home()).run()
        #expect(!outcome.destroyedKeyDates.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: archive.path))
        let epoch = try fixture.home().keys.status().epoch
        #expect(epoch > 1, "no KEK rotation after destroying expiry keys")
        // The copy outlives its deletion somewhere (a locked offsite copy, a tape): put it back.
        try FileManager.default.createDirectory(at: archive.deletingLastPathComponent(), withIntermediateDirectories: true)
        try archiveBytes.write(to: archive)

        // The stale key store and catalog (which still list the copy live) with today's key
        // directories, reading the archive file as it was (put back from the stale material).
        let staleWithLive = try fixture.assembleHome(named: "stale-live", from: stale, keyDirectories: fixture.keyDirectories)
        let target = fixture.root.url.appendingPathComponent("r-expired")
        do {
            _ = try RestoreJob(home: fixture.home(at: staleWithLive)).run(customer: CustomerID("alice")!, set: expiring.setID,
                                                                          from: .local, to: target)
            Issue.record("a pre-expiry key store with today's key directories restored an expired copy")
        } catch let error as KeyStoreError {
            // Refused by the key directories' epoch witness first; without it, by the missing KEK.
            switch error {
            case .olderThanWitnessed, .kekUnavailable: break
            default: Issue.record("unexpected \(error)")
            }
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: target.path))
    }
}
