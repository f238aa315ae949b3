import Foundation
import LetheCatalog
import LetheCore
import LetheJobs
import LetheTestSupport
import Testing

/// An offsite upload racing a shred of the same customer (issue 9, item 2): the shred lands
/// while the upload is in flight, after the copy was recorded pending. The copy must never be
/// reported or recorded live; what was uploaded is deleted where the store allows it, and a
/// locked object stays (unreadable: its customer key is gone), with the ledger saying which.
///
/// Deterministic, no timing: the store wrapper runs the shred inside `put`, after the bytes are
/// stored and before the copier records the upload.
@Suite struct OffsiteShredRaceTests {
    static let customers = OffsiteJobTests.customers

    static let unlockedPolicy = """
        name: unlocked-offsite
        timezone: UTC
        max_age: 190d
        local: { daily: 7d, weekly: 5w, monthly: 6m }
        offsite: { weekly: 5w, monthly: 6m, object_lock: none }
        """

    /// Without object lock: alice's upload is deleted again, her row stays shredded, the
    /// outcome says discarded (not copied, not pending), and bob is copied as usual.
    @Test func uploadRacingAShredIsDeletedAndNeverLive() throws {
        let fixture = try JobFixture(customers: Self.customers, policy: Self.unlockedPolicy)
        let memory = InMemoryObjectStore(location: .offsite, clock: fixture.clock, lockMode: nil)
        let racing = ShredDuringPutStore(memory, fixture: fixture, customer: CustomerID("alice")!)
        let outcome = try BackupJob(home: fixture.home(offsiteStore: racing)).run()
        let alice = try #require(racing.shredded)

        let aliceOutcome = try #require(outcome.offsite.first { $0.pseudonym == alice })
        #expect(aliceOutcome.status == .discarded, "\(aliceOutcome)")
        #expect(outcome.offsite.filter { $0.pseudonym != alice }.map(\.status) == [.copied])
        let listings = try Inventory(home: fixture.home(offsiteStore: memory)).copies()
        let aliceOffsite = listings.filter { $0.pseudonym == alice.rawValue && $0.location == "offsite" }
        #expect(aliceOffsite.map(\.state) == ["shredded"])
        #expect(memory.listVersions(prefix: "archives/\(alice.rawValue)/").isEmpty, "the upload made after the shred was left in the store")
        let discarded = try fixture.home().catalog.events(kinds: ["copy.discarded"])
        #expect(discarded.count == 1)
        #expect(discarded.first?.details["pseudonym"] == alice.rawValue)
        #expect(discarded.first?.details["result"]?.contains("deleted") == true)
    }

    /// With object lock: the upload cannot be deleted; it stays, unreadable, the row stays
    /// shredded and the ledger records that it is locked until its delete-by.
    @Test func lockedUploadRacingAShredStaysShreddedNeverLive() throws {
        let fixture = try JobFixture(customers: Self.customers)
        let memory = InMemoryObjectStore(location: .offsite, clock: fixture.clock, lockMode: .governance)
        let racing = ShredDuringPutStore(memory, fixture: fixture, customer: CustomerID("alice")!)
        let outcome = try BackupJob(home: fixture.home(offsiteStore: racing)).run()
        let alice = try #require(racing.shredded)

        let aliceOutcome = try #require(outcome.offsite.first { $0.pseudonym == alice })
        #expect(aliceOutcome.status == .discarded, "\(aliceOutcome)")
        let listings = try Inventory(home: fixture.home(offsiteStore: memory)).copies()
        #expect(listings.filter { $0.pseudonym == alice.rawValue }.allSatisfy { $0.state == "shredded" })
        #expect(memory.listVersions(prefix: "archives/\(alice.rawValue)/").count == 1, "a locked object cannot be deleted")
        let discarded = try fixture.home().catalog.events(kinds: ["copy.discarded"])
        #expect(discarded.count == 1)
        #expect(discarded.first?.details["result"]?.contains("locked") == true)
    }
}

/// Passes every call to the in-memory store; the upload of `customer`'s copy, once stored, runs
/// a real `ShredJob` of that customer on its own `Home` before returning.
final class ShredDuringPutStore: ForwardingObjectStore, @unchecked Sendable {
    let inner: InMemoryObjectStore
    let fixture: JobFixture
    let customer: CustomerID
    private let lock = NSLock()
    private var pseudonym: Pseudonym?

    init(_ inner: InMemoryObjectStore, fixture: JobFixture, customer: CustomerID) {
        self.inner = inner
        self.fixture = fixture
        self.customer = customer
    }

    /// The pseudonym the shred made unreadable, once it ran.
    var shredded: Pseudonym? { lock.withLock { pseudonym } }

    func put(_ key: ObjectKey, lockUntil: Date?, body: (any ByteSink) throws -> Void) throws -> StoredObject {
        let stored = try inner.put(key, lockUntil: lockUntil, body: body)
        let home = try fixture.home()
        if shredded == nil, let keys = try home.keys.keys(for: customer), key.rawValue.contains(keys.pseudonym.rawValue) {
            let receipt = try ShredJob(home: home).run(customer: customer, request: "R-race")
            #expect(receipt.complete && receipt.status == .shredded)
            lock.withLock { pseudonym = keys.pseudonym }
        }
        return stored
    }
}
