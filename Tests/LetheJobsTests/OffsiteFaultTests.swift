import Foundation
import LetheCatalog
import LetheCore
import LetheFormat
import LetheJobs
import LetheTestSupport
import Testing

/// Offsite faults, injected with `FaultyObjectStore` around the in-memory store: a store down
/// for a whole run, a connection dropped mid-upload, damaged bytes read back.
@Suite struct OffsiteFaultTests {
    static let customers = OffsiteJobTests.customers
    /// Monday 2 November 2026, 00:00 UTC (the fixture's start): the first set is the monthly.
    static let start = Date(timeIntervalSince1970: 1_793_577_600)

    /// The offsite store is down for the whole first night: the local set stands (complete,
    /// restorable), both offsite copies are recorded pending and the run has problems (exit 2).
    /// The next night the store is back: the pending copies catch up. Nothing lost (each archive
    /// has its offsite copy, readable), nothing duplicated (one object, one version each), and
    /// a third night changes nothing.
    @Test func storeDownForAWholeRunCatchesUpTheNextNight() throws {
        let fixture = try JobFixture(customers: Self.customers)
        let memory = InMemoryObjectStore(location: .offsite, clock: fixture.clock, lockMode: .governance)
        let offsite = FaultyObjectStore(wrapping: memory)
        offsite.isDown = true

        let first = try BackupJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(first.state == .complete)
        #expect(first.customers.allSatisfy { $0.status == .committed })
        #expect(first.offsite.map(\.status) == [.pending, .pending])
        #expect(first.problems == 2, "the CLI exits 2 when problems > 0")
        #expect(offsite.callCount == 1, "the store is found down reading the ledger-head marker: no upload is attempted that night")
        #expect(memory.listVersions(prefix: "").isEmpty)
        var listings = try Inventory(home: fixture.home(offsiteStore: offsite)).copies()
        #expect(listings.filter { $0.location == "local" }.allSatisfy { $0.state == "live" })
        let pending = listings.filter { $0.location == "offsite" }
        #expect(pending.count == 2 && pending.allSatisfy { $0.state == "pending" && $0.version_id == nil && $0.bytes == 0 })
        #expect(try fixture.home().catalog.ledger().filter { $0.kind == "copy.upload_failed" }.count == 2)
        // The local set is usable while the store is down; the offsite copy is not there to read.
        let local = fixture.root.url.appendingPathComponent("local")
        #expect(try RestoreJob(home: fixture.home(offsiteStore: offsite)).run(customer: CustomerID("bob")!, set: nil, from: nil, to: local).location == .local)
        #expect(try files(under: local) == Self.customers["bob"])
        #expect(throws: JobError.self) {
            try RestoreJob(home: fixture.home(offsiteStore: offsite)).run(customer: CustomerID("bob")!, set: nil, from: .offsite,
                                                                          to: fixture.root.url.appendingPathComponent("none"))
        }

        // The next night (a daily: nothing new to copy) the store is back.
        offsite.isDown = false
        fixture.clock.set(Self.start.addingTimeInterval(86_400 + 7200))
        let second = try BackupJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(second.retentionClass == .daily)
        #expect(second.offsite.map(\.status) == [.copied, .copied])
        #expect(second.offsite.allSatisfy { $0.set == first.set })
        #expect(second.problems == 0)
        try expectOneOffsiteObjectPerArchive(fixture, memory, set: first.set)

        // A third night: nothing pending, nothing uploaded again.
        fixture.clock.set(Self.start.addingTimeInterval(2 * 86_400 + 7200))
        let third = try BackupJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(third.offsite.isEmpty && third.problems == 0)
        try expectOneOffsiteObjectPerArchive(fixture, memory, set: first.set)
        listings = try Inventory(home: fixture.home(offsiteStore: offsite)).copies()
        #expect(listings.filter { $0.location == "offsite" }.count == 2)

        let restored = fixture.root.url.appendingPathComponent("restored")
        let outcome = try RestoreJob(home: fixture.home(offsiteStore: offsite)).run(customer: CustomerID("alice")!, set: first.set,
                                                                                    from: .offsite, to: restored)
        #expect(outcome.location == .offsite)
        #expect(try files(under: restored) == Self.customers["alice"])
    }

    /// The connection drops part-way through the night's first upload: nothing of it is
    /// visible in the store; it and the copy after it (not attempted: the store was just found
    /// unavailable) stay pending. The next run completes both, once each.
    @Test func uploadDroppedMidStreamIsPendingThenCaughtUp() throws {
        let fixture = try JobFixture(customers: Self.customers)
        let memory = InMemoryObjectStore(location: .offsite, clock: fixture.clock, lockMode: .governance)
        let offsite = FaultyObjectStore(wrapping: memory)
        offsite.dropNextPut(after: 100_000)

        let first = try BackupJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(first.state == .complete)
        #expect(first.offsite.map(\.status) == [.pending, .pending])
        #expect(first.offsite.last?.message?.contains("earlier in this run") == true)
        #expect(first.problems == 2)
        #expect(offsite.callCount == 3, "the ledger-head marker's GET, one HEAD and the dropped PUT; the second copy is not attempted")
        let listings = try Inventory(home: fixture.home(offsiteStore: offsite)).copies()
        for copy in listings where copy.location == "offsite" {
            #expect(copy.state == "pending")
            #expect(try memory.head(ObjectKey(copy.object_key)!) == nil, "a dropped upload must leave nothing visible")
        }
        #expect(memory.listVersions(prefix: "").isEmpty)

        fixture.clock.set(Self.start.addingTimeInterval(86_400 + 7200))
        let second = try BackupJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(second.offsite.map(\.status) == [.copied, .copied])
        #expect(second.problems == 0)
        try expectOneOffsiteObjectPerArchive(fixture, memory, set: first.set)
    }

    /// A permanent error on one copy (not an outage) leaves that copy pending and the others
    /// are still made; the next run completes it.
    @Test func permanentErrorOnOneCopyDoesNotStopTheOthers() throws {
        var customers = Self.customers
        customers["carol"] = ["c.txt": Array("carol".utf8)]
        let fixture = try JobFixture(customers: customers)
        let memory = InMemoryObjectStore(location: .offsite, clock: fixture.clock, lockMode: .governance)
        let offsite = FaultyObjectStore(wrapping: memory)
        offsite.failNext(1, with: .failed("injected fault: 500 InternalError"))
        let first = try BackupJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(first.offsite.map(\.status) == [.pending, .copied, .copied])
        #expect(first.problems == 1)
        fixture.clock.set(Self.start.addingTimeInterval(86_400 + 7200))
        let second = try BackupJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(second.offsite.map(\.status) == [.copied])
        #expect(second.offsite.first?.pseudonym == first.offsite.first?.pseudonym)
        try expectOneOffsiteObjectPerArchive(fixture, memory, set: first.set)
    }

    /// A store still unavailable after its own retries (a 503 that does not heal) on the first
    /// copy of a night of many: one request, then no further upload that night (each would spend
    /// the same retries and time-outs); every copy pending, all caught up the next night.
    @Test func unavailableStoreIsNotHammeredCopyAfterCopy() throws {
        var customers: [String: [String: [UInt8]]] = [:]
        for n in 0..<8 { customers["c\(n)"] = ["f.txt": Array("customer \(n)".utf8)] }
        let fixture = try JobFixture(customers: customers)
        let memory = InMemoryObjectStore(location: .offsite, clock: fixture.clock, lockMode: .governance)
        let offsite = FaultyObjectStore(wrapping: memory)
        offsite.failNext(1)
        let first = try BackupJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(first.offsite.count == 8 && first.offsite.allSatisfy { $0.status == .pending })
        #expect(first.offsite.first?.message?.contains("503") == true)
        #expect(offsite.callCount == 2, "the ledger-head marker's GET, then one request for the copies")
        #expect(try fixture.home().catalog.ledger().filter { $0.kind == "copy.upload_failed" }.count == 8)

        fixture.clock.set(Self.start.addingTimeInterval(86_400 + 7200))
        let second = try BackupJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(second.offsite.count == 8 && second.offsite.allSatisfy { $0.status == .copied })
        try expectOneOffsiteObjectPerArchive(fixture, memory, set: first.set)
    }

    /// The store keeps an upload but its answer is lost (a time-out after the server stored
    /// it): the copy is pending; the next run finds the object already there (same size) and
    /// adopts it instead of uploading a second version.
    @Test func uploadWhoseAnswerWasLostIsAdoptedNotDuplicated() throws {
        let fixture = try JobFixture(customers: ["alice": Self.customers["alice"]!])
        let memory = InMemoryObjectStore(location: .offsite, clock: fixture.clock, lockMode: .governance)
        let offsite = LostAnswerStore(memory)
        let first = try BackupJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(first.offsite.map(\.status) == [.pending])
        #expect(memory.listVersions(prefix: "").count == 1, "the server stored it")

        fixture.clock.set(Self.start.addingTimeInterval(86_400 + 7200))
        let second = try BackupJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(second.offsite.map(\.status) == [.copied])
        #expect(offsite.puts == 1, "the copy already stored must not be uploaded again")
        try expectOneOffsiteObjectPerArchive(fixture, memory, set: first.set)
    }

    /// An object found at a pending copy's key is adopted only once it reads back authentic:
    /// one that does not is deleted (every version) and replaced by a fresh upload where the
    /// store allows it, so the key holds one version, the copy's.
    @Test func anObjectThatDoesNotReadBackIsReplacedNotAdopted() throws {
        let policy = """
            name: unlocked-offsite
            timezone: UTC
            max_age: 190d
            local: { daily: 7d, weekly: 5w, monthly: 6m }
            offsite: { weekly: 5w, monthly: 6m, object_lock: none }
            """
        let fixture = try JobFixture(customers: ["alice": Self.customers["alice"]!], policy: policy)
        let memory = InMemoryObjectStore(location: .offsite, clock: fixture.clock, lockMode: nil)
        let first = try BackupJob(home: fixture.home(offsiteStore: LostAnswerStore(memory))).run()
        #expect(first.offsite.map(\.status) == [.pending])

        let damaging = FaultyObjectStore(wrapping: memory)
        damaging.damageNextGet(.corrupt(at: 300))  // the adoption's read-back sees damaged bytes
        fixture.clock.set(Self.start.addingTimeInterval(86_400 + 7200))
        let second = try BackupJob(home: fixture.home(offsiteStore: damaging)).run()
        #expect(second.offsite.filter { $0.set == first.set }.map(\.status) == [.copied])
        let refusals = try fixture.home().catalog.events(kinds: ["copy.adoption_refused"])
        #expect(refusals.count == 1)
        #expect(refusals.first?.details["error"]?.contains("failed authentication") == true)
        #expect(memory.listVersions(prefix: "archives/").filter { $0.key.rawValue.contains(first.set.rawValue) }.count == 1,
                "the unread object was left beside the new upload")
        let target = fixture.root.url.appendingPathComponent("from-offsite")
        _ = try RestoreJob(home: fixture.home(offsiteStore: memory)).run(customer: CustomerID("alice")!, set: first.set,
                                                                          from: .offsite, to: target)
        #expect(FileManager.default.fileExists(atPath: target.path))
    }

    /// The same with a locked object: it can be neither adopted nor replaced, so the copy stays
    /// pending and says why, night after night, rather than counting a copy it cannot read.
    @Test func aLockedObjectThatDoesNotReadBackStaysPending() throws {
        let fixture = try JobFixture(customers: ["alice": Self.customers["alice"]!])
        let memory = InMemoryObjectStore(location: .offsite, clock: fixture.clock, lockMode: .governance)
        let first = try BackupJob(home: fixture.home(offsiteStore: LostAnswerStore(memory))).run()
        #expect(first.offsite.map(\.status) == [.pending])

        let damaging = FaultyObjectStore(wrapping: memory)
        damaging.damageNextGet(.truncate(after: 500))
        fixture.clock.set(Self.start.addingTimeInterval(86_400 + 7200))
        let second = try BackupJob(home: fixture.home(offsiteStore: damaging)).run()
        let outcome = try #require(second.offsite.first { $0.set == first.set })
        #expect(outcome.status == .pending)
        #expect(outcome.message?.contains("locked") == true, "\(outcome.message ?? "")")
        #expect(try fixture.home().catalog.copies(set: first.set, location: .offsite).map(\.state) == [.pending])
    }

    /// A store down past a pending copy's delete-by: the catch-up abandons it and closes its
    /// row (never uploaded), so expire has nothing left to cancel; the store never receives it.
    @Test func pendingCopyPastItsDeleteByIsCancelledNotUploaded() throws {
        let policy = """
            name: short-offsite
            timezone: UTC
            max_age: 190d
            local: { daily: 7d, weekly: 5w, monthly: 6m }
            offsite: { weekly: 5w, monthly: 1m, object_lock: governance }
            """
        let fixture = try JobFixture(customers: Self.customers, policy: policy)
        let memory = InMemoryObjectStore(location: .offsite, clock: fixture.clock, lockMode: .governance)
        let offsite = FaultyObjectStore(wrapping: memory)
        offsite.isDown = true
        let first = try BackupJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(first.offsite.map(\.status) == [.pending, .pending])

        // Back on 3 December, after the offsite delete-by (2 December).
        offsite.isDown = false
        fixture.clock.set(Timestamp.parse("2026-12-03T02:00:00Z")!)
        let late = try BackupJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(late.offsite.filter { $0.set == first.set }.map(\.status) == [.abandoned, .abandoned])
        #expect(memory.listVersions(prefix: "archives/").filter { $0.key.rawValue.contains(first.set.rawValue) }.isEmpty)
        let expire = try ExpireJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(expire.count(.cancelled) == 0)
        #expect(expire.state == .complete)
        let rows = try Inventory(home: fixture.home(offsiteStore: offsite)).copies().filter { $0.set == first.set.rawValue }
        #expect(rows.filter { $0.location == "offsite" }.allSatisfy { $0.state == "deleted" })
        #expect(rows.filter { $0.location == "local" }.allSatisfy { $0.state == "live" })
    }

    /// The store hands back damaged bytes (flipped in the body, flipped in the header, cut
    /// short): restoring from the offsite copy fails as an integrity error (exit 3) and leaves
    /// no target behind; an undamaged read afterwards restores.
    @Test(arguments: [Damage.bodyFlip, .headerFlip, .truncated, .truncatedInHeader])
    func damagedOffsiteBytesFailRestoreWithIntegrity(_ damage: Damage) throws {
        let fixture = try JobFixture(customers: Self.customers)
        let memory = InMemoryObjectStore(location: .offsite, clock: fixture.clock, lockMode: .governance)
        let offsite = FaultyObjectStore(wrapping: memory)
        _ = try BackupJob(home: fixture.home(offsiteStore: offsite)).run()
        let bob = CustomerID("bob")!
        let copy = try #require(try Inventory(home: fixture.home(offsiteStore: offsite)).copies(customer: bob).first { $0.location == "offsite" })
        offsite.damageNextGet(damage.fault(size: Int(copy.bytes)))

        let target = fixture.root.url.appendingPathComponent("target")
        do {
            _ = try RestoreJob(home: fixture.home(offsiteStore: offsite)).run(customer: bob, set: nil, from: .offsite, to: target)
            Issue.record("restoring damaged bytes succeeded")
        } catch {
            #expect(isIntegrityFailure(error), "\(damage): \(error) is not an integrity failure")
        }
        #expect(!FileManager.default.fileExists(atPath: target.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.root.url.path).allSatisfy { !$0.hasPrefix(".lethe-restore-") })

        let outcome = try RestoreJob(home: fixture.home(offsiteStore: offsite)).run(customer: bob, set: nil, from: .offsite, to: target)
        #expect(outcome.location == .offsite)
        #expect(try files(under: target) == Self.customers["bob"])
    }

    enum Damage: String, CustomTestStringConvertible, Sendable {
        case bodyFlip, headerFlip, truncated, truncatedInHeader
        var testDescription: String { rawValue }

        func fault(size: Int) -> FaultyObjectStore.ReadFault {
            switch self {
            case .bodyFlip: return .corrupt(at: size - 100)
            case .headerFlip: return .corrupt(at: 40)
            case .truncated: return .truncate(after: size / 2)
            case .truncatedInHeader: return .truncate(after: 30)
            }
        }
    }

    /// The errors the CLI maps to exit 3 (integrity), as `ExitStatus.code(for:)` does.
    func isIntegrityFailure(_ error: Error) -> Bool {
        switch error {
        case let error as FormatError: return error.isIntegrityFailure
        case ObjectStoreError.checksumMismatch: return true
        case JobError.integrity: return true
        default: return false
        }
    }

    /// Exactly one offsite object, with one version, per archive of `set`; each recorded live
    /// with that version id and its lock, and holding the local copy's body.
    func expectOneOffsiteObjectPerArchive(_ fixture: JobFixture, _ memory: InMemoryObjectStore, set: SetID) throws {
        let listings = try Inventory(home: fixture.home(offsiteStore: memory)).copies().filter { $0.set == set.rawValue }
        let local = listings.filter { $0.location == "local" }
        let remote = listings.filter { $0.location == "offsite" }
        #expect(remote.count == local.count)
        #expect(Set(remote.map(\.archive)) == Set(local.map(\.archive)))
        let versions = memory.listVersions(prefix: "archives/").filter { $0.key.rawValue.contains(set.rawValue) }
        #expect(versions.count == local.count, "one version per archive: \(versions.map(\.key))")
        #expect(Set(versions.map(\.key.rawValue)) == Set(local.map(\.object_key)))
        for copy in remote {
            #expect(copy.state == "live")
            let stored = try #require(versions.first { $0.key.rawValue == copy.object_key })
            #expect(stored.versionID == copy.version_id)
            #expect(stored.lockedUntil.map(Timestamp.iso) == copy.delete_by)
            let remoteBytes = try memory.get(stored.key) { try $0.readAll() }
            let localBytes = [UInt8](try Data(contentsOf: fixture.store.appendingPathComponent(copy.object_key)))
            #expect(archiveBody(remoteBytes) == archiveBody(localBytes))
        }
    }
}

/// Stores the first upload, then throws as if its answer never arrived; counts uploads.
final class LostAnswerStore: ForwardingObjectStore, @unchecked Sendable {
    let inner: InMemoryObjectStore
    private let lock = NSLock()
    private var count = 0

    init(_ inner: InMemoryObjectStore) { self.inner = inner }

    /// Uploads of copies that reached the inner store.
    var puts: Int { lock.withLock { count } }

    func put(_ key: ObjectKey, lockUntil: Date?, body: (any ByteSink) throws -> Void) throws -> StoredObject {
        let stored = try inner.put(key, lockUntil: lockUntil, body: body)
        guard key.archiveSet != nil else { return stored }  // Lethe's own objects (the ledger-head marker) are not copies
        let first = lock.withLock { count += 1; return count == 1 }
        if first { throw ObjectStoreError.unavailable("injected fault: the answer to the upload was lost (timed out)") }
        return stored
    }
}
