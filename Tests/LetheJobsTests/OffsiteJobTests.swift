import Foundation
import LetheCatalog
import LetheCore
import LetheFormat
import LetheJobs
import LetheTestSupport
import Testing

/// Offsite copies in the jobs, with the in-memory offsite store (a versioned, lock-honouring
/// double on the fixture's manual clock): what is copied, with which header and lock, what is
/// not, and restoring from it.
@Suite struct OffsiteJobTests {
    static let customers: [String: [String: [UInt8]]] = [
        "alice": ["notes.txt": Array("alice's notes".utf8), "data/blob.bin": randomBytes(300_000, seed: 1)],
        "bob": ["b.txt": Array("bob".utf8), "big.bin": randomBytes(1_500_000, seed: 2)],
    ]
    /// Local monthlies live 6m, offsite ones 3m: each copy's delete-by (and header) is its own.
    static let shorterOffsitePolicy = """
        name: offsite-shorter
        timezone: UTC
        max_age: 190d
        local: { daily: 7d, weekly: 5w, monthly: 6m }
        offsite: { weekly: 2w, monthly: 3m, object_lock: compliance }
        """

    /// The fixture starts on Monday 2 November 2026, 00:00 UTC: its first set is the monthly.
    static let monthlyDeleteBy = Timestamp.parse("2027-05-02T00:00:00Z")!

    /// Default policy: the first set (a monthly) gets an offsite copy per archive, recorded live
    /// with the offsite delete-by, its version id and its lock; the stored object is locked until
    /// that delete-by, and its encrypted body is the local copy's, byte for byte.
    @Test func monthlySetIsCopiedOffsiteLockedUntilItsDeleteBy() throws {
        let fixture = try JobFixture(customers: Self.customers)
        let offsite = InMemoryObjectStore(location: .offsite, clock: fixture.clock, lockMode: .governance)
        let outcome = try BackupJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(outcome.retentionClass == .monthly)
        #expect(outcome.state == .complete)
        #expect(outcome.offsite.map(\.status) == [.copied, .copied])
        #expect(outcome.problems == 0)

        let listings = try Inventory(home: fixture.home(offsiteStore: offsite)).copies()
        let local = listings.filter { $0.location == "local" }
        let remote = listings.filter { $0.location == "offsite" }
        #expect(local.count == 2 && remote.count == 2)
        for copy in remote {
            let twin = try #require(local.first { $0.archive == copy.archive })
            #expect(copy.set == outcome.set.rawValue && copy.pseudonym == twin.pseudonym && copy.class == "monthly")
            #expect(copy.object_key == twin.object_key)
            #expect(copy.delete_by == "2027-05-02T00:00:00Z")
            #expect(copy.state == "live")
            #expect(copy.bytes == twin.bytes && copy.bytes > 0)
            #expect(copy.locked_until == copy.delete_by)
            #expect(twin.locked_until == nil)

            let key = try #require(ObjectKey(copy.object_key))
            let stored = try #require(try offsite.head(key))
            #expect(copy.version_id != nil && stored.versionID == copy.version_id)
            #expect(stored.lockedUntil == Self.monthlyDeleteBy)
            #expect(offsite.listVersions(prefix: key.rawValue).count == 1)

            let remoteBytes = try offsite.get(key) { try $0.readAll() }
            let localBytes = [UInt8](try Data(contentsOf: fixture.store.appendingPathComponent(copy.object_key)))
            #expect(remoteBytes.count == localBytes.count)
            #expect(archiveBody(remoteBytes) == archiveBody(localBytes), "the encrypted body must be shared byte for byte")
            // Its own header and wrapped data key: a fresh wrap, even for the same delete-by.
            #expect(wrappedKey(remoteBytes) != wrappedKey(localBytes))
            let header = try SealedArchive.open(BufferSource(remoteBytes)).header
            #expect(header.deleteBy == Self.monthlyDeleteBy)
            #expect(header.archiveID.rawValue == copy.archive && header.setID == outcome.set)

            // Locked until its delete-by: neither deleted nor replaced before then.
            #expect(throws: ObjectStoreError.objectLocked(key, until: Self.monthlyDeleteBy)) { try offsite.delete(key, versionID: nil) }
            #expect(throws: ObjectStoreError.objectLocked(key, until: Self.monthlyDeleteBy)) {
                try offsite.put(key, lockUntil: nil) { try $0.write([1, 2, 3]) }
            }
        }

        // A day before the delete-by nothing goes; on the day, expire deletes the offsite copy by
        // its version, confirms it gone, and keeps the row as history.
        fixture.clock.set(Self.monthlyDeleteBy.addingTimeInterval(-86_400))
        let early = try ExpireJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(early.count(.deleted) == 0 && early.state == .complete)
        fixture.clock.set(Self.monthlyDeleteBy.addingTimeInterval(3600))
        let due = try ExpireJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(due.state == .complete)
        #expect(due.count(.deleted) == 4)
        #expect(offsite.listVersions(prefix: ObjectKey.archivePrefix).isEmpty)
        let after = try Inventory(home: fixture.home(offsiteStore: offsite)).copies()
        #expect(after.count == 4 && after.allSatisfy { $0.state == "deleted" })
    }

    /// With an offsite tier shorter than the local one, the offsite copy's header carries the
    /// offsite delete-by and is keyed by that date's expiry key; the body is still shared, and
    /// expire removes the offsite copy on its own date while the local copy lives on.
    @Test func offsiteHeaderCarriesTheOffsiteDeleteBy() throws {
        let fixture = try JobFixture(customers: Self.customers, policy: Self.shorterOffsitePolicy)
        let offsite = InMemoryObjectStore(location: .offsite, clock: fixture.clock, lockMode: .compliance)
        let outcome = try BackupJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(outcome.offsite.map(\.status) == [.copied, .copied])
        let offsiteDeleteBy = Timestamp.parse("2027-02-02T00:00:00Z")!

        let listings = try Inventory(home: fixture.home(offsiteStore: offsite)).copies()
        for copy in listings where copy.location == "offsite" {
            let twin = try #require(listings.first { $0.location == "local" && $0.archive == copy.archive })
            #expect(copy.delete_by == "2027-02-02T00:00:00Z" && twin.delete_by == "2027-05-02T00:00:00Z")
            let key = try #require(ObjectKey(copy.object_key))
            #expect(try offsite.head(key)?.lockedUntil == offsiteDeleteBy)
            let remoteBytes = try offsite.get(key) { try $0.readAll() }
            let localBytes = [UInt8](try Data(contentsOf: fixture.store.appendingPathComponent(twin.object_key)))
            let remoteHeader = try SealedArchive.open(BufferSource(remoteBytes)).header
            let localHeader = try SealedArchive.open(BufferSource(localBytes)).header
            #expect(remoteHeader.deleteBy == offsiteDeleteBy && localHeader.deleteBy == Self.monthlyDeleteBy)
            #expect(remoteHeader.expiryKeyID != localHeader.expiryKeyID)
            #expect(remoteHeader.archiveLevelDifference(from: localHeader) == nil)
            #expect(archiveBody(remoteBytes) == archiveBody(localBytes))
        }

        fixture.clock.set(offsiteDeleteBy.addingTimeInterval(60))
        let expire = try ExpireJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(expire.state == .complete && expire.count(.deleted) == 2)
        #expect(offsite.listVersions(prefix: ObjectKey.archivePrefix).isEmpty)
        let left = try Inventory(home: fixture.home(offsiteStore: offsite)).copies().filter { $0.state == "live" }
        #expect(left.count == 2 && left.allSatisfy { $0.location == "local" })
        // The local copies are still readable after the offsite date's key was destroyed.
        let target = fixture.root.url.appendingPathComponent("restored")
        let restored = try RestoreJob(home: fixture.home(offsiteStore: offsite)).run(customer: CustomerID("alice")!, set: nil, from: nil, to: target)
        #expect(restored.location == .local)
        #expect(try files(under: target) == Self.customers["alice"])
    }

    /// An offsite tier that keeps monthlies longer than the local one: once the local copy has
    /// expired (deleted, its date's expiry key destroyed), a plain restore reads the offsite copy,
    /// which its own delete-by and expiry key keep readable; on the offsite date it goes too.
    @Test func offsiteCopyOutlivesTheLocalOneAndStillRestores() throws {
        let policy = """
            name: offsite-longer
            timezone: UTC
            max_age: 190d
            local: { daily: 7d, weekly: 4w, monthly: 3m }
            offsite: { weekly: 5w, monthly: 6m, object_lock: compliance }
            """
        let fixture = try JobFixture(customers: Self.customers, policy: policy)
        let offsite = InMemoryObjectStore(location: .offsite, clock: fixture.clock, lockMode: .compliance)
        let monthly = try BackupJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(monthly.offsite.map(\.status) == [.copied, .copied])

        fixture.clock.set(Timestamp.parse("2027-02-03T02:00:00Z")!)  // local delete-by 2 February passed
        let localExpiry = try ExpireJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(localExpiry.state == .complete && localExpiry.count(.deleted) == 2)
        #expect(localExpiry.destroyedKeyDates.map(Timestamp.iso) == ["2027-02-02T00:00:00Z"])
        let target = fixture.root.url.appendingPathComponent("restored")
        let restored = try RestoreJob(home: fixture.home(offsiteStore: offsite)).run(customer: CustomerID("alice")!, set: nil, from: nil, to: target)
        #expect(restored.location == .offsite && restored.set == monthly.set)
        #expect(try files(under: target) == Self.customers["alice"])

        fixture.clock.set(Self.monthlyDeleteBy.addingTimeInterval(7200))
        let offsiteExpiry = try ExpireJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(offsiteExpiry.state == .complete && offsiteExpiry.count(.deleted) == 2)
        #expect(offsite.listVersions(prefix: ObjectKey.archivePrefix).isEmpty)
        #expect(throws: JobError.self) {
            try RestoreJob(home: fixture.home(offsiteStore: offsite)).run(customer: CustomerID("alice")!, set: nil, from: nil,
                                                                          to: fixture.root.url.appendingPathComponent("gone"))
        }
    }

    /// Daily sets get no offsite copy under the default policy; the next weekly does.
    @Test func dailySetsStayLocal() throws {
        let fixture = try JobFixture(customers: Self.customers)
        let offsite = InMemoryObjectStore(location: .offsite, clock: fixture.clock, lockMode: .governance)
        _ = try BackupJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(try offsite.list(prefix: ObjectKey.archivePrefix).count == 2)
        for day in 1...6 {  // Tuesday 3 to Sunday 8 November: dailies
            fixture.clock.set(Date(timeIntervalSince1970: 1_793_577_600 + Double(day) * 86_400 + 7200))
            let daily = try BackupJob(home: fixture.home(offsiteStore: offsite)).run()
            #expect(daily.retentionClass == .daily)
            #expect(daily.offsite.isEmpty)
        }
        #expect(try offsite.list(prefix: ObjectKey.archivePrefix).count == 2)
        let listings = try Inventory(home: fixture.home(offsiteStore: offsite)).copies()
        #expect(listings.filter { $0.class == "daily" }.allSatisfy { $0.location == "local" })
        #expect(listings.filter { $0.class == "daily" }.count == 12)

        fixture.clock.set(Date(timeIntervalSince1970: 1_793_577_600 + 7 * 86_400 + 7200))  // Monday 9 November
        let weekly = try BackupJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(weekly.retentionClass == .weekly)
        #expect(weekly.offsite.map(\.status) == [.copied, .copied])
        let weeklies = try Inventory(home: fixture.home(offsiteStore: offsite)).copies()
            .filter { $0.set == weekly.set.rawValue && $0.location == "offsite" }
        #expect(weeklies.count == 2 && weeklies.allSatisfy { $0.delete_by == "2026-12-14T00:00:00Z" && $0.locked_until == $0.delete_by })
        #expect(try offsite.list(prefix: ObjectKey.archivePrefix).count == 4)
    }

    /// `restore --from offsite` reads the offsite copy; with the local object gone from disk, a
    /// plain restore falls back to the offsite copy of the same archive by itself.
    @Test func restoreFromOffsiteAndFallBackWhenTheLocalCopyIsGone() throws {
        let fixture = try JobFixture(customers: Self.customers)
        let offsite = InMemoryObjectStore(location: .offsite, clock: fixture.clock, lockMode: .governance)
        let monthly = try BackupJob(home: fixture.home(offsiteStore: offsite)).run()
        let bob = CustomerID("bob")!

        let fromOffsite = fixture.root.url.appendingPathComponent("from-offsite")
        let explicit = try RestoreJob(home: fixture.home(offsiteStore: offsite)).run(customer: bob, set: nil, from: .offsite, to: fromOffsite)
        #expect(explicit.location == .offsite && explicit.set == monthly.set)
        #expect(try files(under: fromOffsite) == Self.customers["bob"])

        let plain = fixture.root.url.appendingPathComponent("plain")
        #expect(try RestoreJob(home: fixture.home(offsiteStore: offsite)).run(customer: bob, set: nil, from: nil, to: plain).location == .local)

        // The local object disappears from disk (a disk fault, an operator's mistake).
        let localCopy = try #require(try Inventory(home: fixture.home(offsiteStore: offsite)).copies(customer: bob).first { $0.location == "local" })
        try FileManager.default.removeItem(at: fixture.store.appendingPathComponent(localCopy.object_key))
        let fallback = fixture.root.url.appendingPathComponent("fallback")
        let restored = try RestoreJob(home: fixture.home(offsiteStore: offsite)).run(customer: bob, set: nil, from: nil, to: fallback)
        #expect(restored.location == .offsite && restored.set == monthly.set)
        #expect(try files(under: fallback) == Self.customers["bob"])
        #expect(fixture.logLines.contains { $0.contains("restore.local_missing") })
        // Asked for local explicitly, there is no fallback: not found.
        let localOnly = fixture.root.url.appendingPathComponent("local-only")
        #expect(throws: ObjectStoreError.notFound(ObjectKey(localCopy.object_key)!)) {
            try RestoreJob(home: fixture.home(offsiteStore: offsite)).run(customer: bob, set: nil, from: .local, to: localOnly)
        }
        #expect(!FileManager.default.fileExists(atPath: localOnly.path))
    }

    /// Expire checks a lock against the store's own clock: with the local clock past the
    /// delete-by but the store's clock not, the offsite copy is not even asked to be deleted; it
    /// stays overdue (run partial) until the store's clock passes, then goes by its version id.
    @Test func lockIsCheckedAgainstTheStoresClock() throws {
        let fixture = try JobFixture(customers: ["alice": Self.customers["alice"]!])
        let storeClock = ManualClock(fixture.clock.now())
        let offsite = ClockedStore(InMemoryObjectStore(location: .offsite, clock: storeClock, lockMode: .governance), clock: storeClock)
        _ = try BackupJob(home: fixture.home(offsiteStore: offsite)).run()
        let copy = try #require(try Inventory(home: fixture.home(offsiteStore: offsite)).copies().first { $0.location == "offsite" })

        fixture.clock.set(Self.monthlyDeleteBy.addingTimeInterval(86_400))
        storeClock.set(Self.monthlyDeleteBy.addingTimeInterval(-3600))  // the store is an hour short of the date
        let refused = try ExpireJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(refused.state == .partial)
        #expect(refused.count(.deleted) == 1 && refused.count(.failed) == 1)
        #expect(offsite.deletes.filter { $0.key.archiveSet != nil }.isEmpty, "expire must not hammer a lock the store still enforces")
        #expect(try Inventory(home: fixture.home(offsiteStore: offsite)).copies().first { $0.location == "offsite" }?.state == "overdue")

        storeClock.set(Self.monthlyDeleteBy.addingTimeInterval(60))
        let done = try ExpireJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(done.state == .complete && done.count(.deleted) == 1)
        // Beside the copy, only the ledger-head marker's older versions (replaced at each run's end).
        #expect(offsite.deletes.filter { $0.key.archiveSet != nil }.map(\.versionID) == [copy.version_id])
        #expect(offsite.inner.listVersions(prefix: ObjectKey.archivePrefix).isEmpty)
    }
}

/// The bytes after a stored copy's header and wrapped data key: the encrypted body every copy
/// of an archive shares (docs/FORMAT.md, "Byte layout").
func archiveBody(_ bytes: [UInt8]) -> ArraySlice<UInt8> {
    bytes[(14 + headerLength(bytes) + 72)...]
}

/// A stored copy's wrapped data key (72 bytes after the header).
func wrappedKey(_ bytes: [UInt8]) -> ArraySlice<UInt8> {
    let start = 14 + headerLength(bytes)
    return bytes[start..<start + 72]
}

private func headerLength(_ bytes: [UInt8]) -> Int {
    Int(bytes[10]) << 24 | Int(bytes[11]) << 16 | Int(bytes[12]) << 8 | Int(bytes[13])
}

/// Every regular file under `folder`, by relative path.
func files(under folder: URL) throws -> [String: [UInt8]] {
    var found: [String: [UInt8]] = [:]
    let base = folder.resolvingSymlinksInPath().path
    let all = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])?.allObjects ?? []
    for case let url as URL in all {
        guard try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true else { continue }
        let path = url.resolvingSymlinksInPath().path
        found[String(path.dropFirst(base.count + 1))] = [UInt8](try Data(contentsOf: url))
    }
    return found
}

/// An in-memory store that also reports its own clock (as S3 does with its `Date` header) and
/// records every delete it is asked for.
final class ClockedStore: ForwardingObjectStore, @unchecked Sendable {
    let inner: InMemoryObjectStore
    private let clock: ManualClock
    private let lock = NSLock()
    private var deleted: [Deletion] = []

    /// One delete asked of the store.
    struct Deletion: Equatable {
        var key: ObjectKey
        var versionID: String?
    }

    init(_ inner: InMemoryObjectStore, clock: ManualClock) {
        self.inner = inner
        self.clock = clock
    }

    /// The deletes asked for so far, in order.
    var deletes: [Deletion] { lock.withLock { deleted } }

    func delete(_ key: ObjectKey, versionID: String?) throws {
        lock.withLock { deleted.append(Deletion(key: key, versionID: versionID)) }
        try inner.delete(key, versionID: versionID)
    }
    func serverDate() -> Date? { clock.now() }
}
