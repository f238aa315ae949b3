import Foundation
import LetheCatalog
import LetheCore
@testable import LetheJobs
import LetheTestSupport
import Testing

/// A shred landing after a backup listed its local copies for offsite, but before the copier
/// planned a customer's offsite copy (while it uploads other customers' copies, which can take
/// minutes): the copy must not be planned at all. Before the fix, a `pending` row was recorded
/// for the shredded pseudonym after the shred, outside its receipt, and its upload failed.
@Suite struct OffsitePlanningShredTests {
    @Test func aCopyOfACustomerShreddedBeforeItsPlanningIsNeverPlanned() throws {
        let fixture = try JobFixture(customers: OffsiteJobTests.customers, policy: OffsiteShredRaceTests.unlockedPolicy)
        let memory = InMemoryObjectStore(location: .offsite, clock: fixture.clock, lockMode: nil)
        let home = try fixture.home(offsiteStore: memory)
        // A backup's local copies, listed for offsite (here by a home without an offsite store).
        _ = try BackupJob(home: fixture.home()).run()
        let set = try #require(try home.catalog.sets().last?.id)
        let listed = try home.catalog.copies(set: set, location: .local, states: [.live])
        let alice = try #require(try home.keys.keys(for: CustomerID("alice")!)?.pseudonym)

        _ = try ShredJob(home: home).run(customer: CustomerID("alice")!, request: "R-plan")
        let outcomes = try OffsiteCopier(home: home).copy(listed, now: fixture.clock.now())

        let aliceOutcome = try #require(outcomes.first { $0.pseudonym == alice })
        #expect(aliceOutcome.status == .discarded, "\(aliceOutcome)")
        #expect(outcomes.filter { $0.pseudonym != alice }.allSatisfy { $0.status == .copied }, "\(outcomes)")
        let aliceRows = try home.catalog.copies(pseudonym: alice)
        #expect(aliceRows.allSatisfy { $0.state == .shredded }, "\(aliceRows.map(\.state))")
        #expect(memory.listVersions(prefix: "archives/\(alice.rawValue)/").isEmpty)
    }
}
