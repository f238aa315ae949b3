import Foundation
import LetheCatalog
import LetheCore
import LetheJobs
import LetheStore
import LetheTestSupport
import Testing

/// The expire run's base guard (invariant 15): a base copy is never deleted while a copy at the
/// same location that is a differential against it is still stored or to be stored, unless that
/// dependant is deleted before it in the same run. The delete-by dates Lethe writes make this
/// impossible; the catalog here says otherwise, as damage or a hand edit would (a row's
/// `delete_by` moved earlier with `sqlite3`).
///
/// One customer, three nights: 1 November 2026 (monthly, full), the 2nd (weekly, a differential
/// against the monthly), the 3rd (daily, against the weekly).
@Suite struct ExpireBaseGuardTests {
    static func at(_ text: String) -> Date { Timestamp.parse(text)! }
    /// The date the edited rows say, and the night the expire runs.
    static let editedDeleteBy = at("2026-11-05T00:00:00Z")
    static let expiryNight = at("2026-11-06T02:00:00Z")
    /// The default policy without the object lock (a locked copy could not be deleted anyway).
    static let unlockedPolicy = """
        name: unlocked
        timezone: UTC
        max_age: 190d
        local: { daily: 7d, weekly: 5w, monthly: 6m }
        offsite: { weekly: 5w, monthly: 6m, object_lock: none }
        """

    /// The three nights; returns the monthly, weekly and daily set ids.
    static func threeNights(_ fixture: JobFixture, offsite: (any ObjectStore)? = nil) throws -> [SetID] {
        var sets: [SetID] = []
        for day in ["01", "02", "03"] {
            fixture.clock.set(at("2026-11-\(day)T02:00:00Z"))
            let outcome = try BackupJob(home: fixture.home(offsiteStore: offsite)).run()
            #expect(outcome.state == .complete)
            sets.append(outcome.set)
        }
        return sets
    }

    /// Moves the `delete_by` of the copies of `set` at `location` to `date`, behind Lethe's back.
    static func editDeleteBy(_ fixture: JobFixture, set: SetID, location: Location, to date: Date) throws {
        try fixture.editCatalog("UPDATE copies SET delete_by = \(Int64(date.timeIntervalSince1970)) WHERE set_id = '\(set.rawValue)' AND location = '\(location.rawValue)'")
    }

    static func events(_ home: Home, _ kind: LedgerEvent.Kind) throws -> [LedgerEvent] {
        try home.catalog.ledger().filter { $0.kind == kind }
    }

    /// The monthly's local row says 5 November; the weekly and the daily that depend on it are
    /// kept. The monthly is held: still stored and live, its result and ledger event say why,
    /// the log says so, the run is partial. Its row repaired (its date put back), the weekly and
    /// the daily restore. (With the row as edited they cannot: the monthly's header names another
    /// delete-by, and the reader refuses it as re-dated; the hold keeps what the repair needs.)
    @Test func aBaseWhoseDependantIsKeptIsHeldLocally() throws {
        let fixture = try JobFixture(customers: ["c1": ["a.txt": Array("one".utf8), "big.bin": randomBytes(50_000, seed: 3)]],
                                     now: Self.at("2026-11-01T00:00:00Z"), policy: Self.unlockedPolicy)
        let sets = try Self.threeNights(fixture)
        let monthly = try #require(try fixture.home().catalog.copies(set: sets[0]).first)
        try Self.editDeleteBy(fixture, set: sets[0], location: .local, to: Self.editedDeleteBy)
        fixture.clock.set(Self.expiryNight)
        let home = try fixture.home()

        let outcome = try ExpireJob(home: home).run()
        #expect(outcome.state == .partial)
        let result = try #require(outcome.results.first { $0.copyID == monthly.id })
        #expect(result.action == .hold && result.status == .held, "\(result)")
        #expect(result.message?.contains("differential against it") == true, "\(result.message ?? "")")
        #expect(outcome.count(.held) == 1 && outcome.count(.deleted) == 0)
        #expect(FileManager.default.fileExists(atPath: fixture.store.appendingPathComponent(monthly.objectKey.rawValue).path))
        #expect(try home.catalog.copies(set: sets[0]).map(\.state) == [.live])
        let refused = try Self.events(home, "copy.delete_failed")
        #expect(refused.count == 1 && refused.first?.details["error"]?.contains("held") == true, "\(refused.map(\.details))")
        #expect(try Self.events(home, "expire.finished").last?.details["state"] == "partial")
        #expect(fixture.logLines.contains { $0.contains("expire.copy.held") && $0.contains(monthly.pseudonym.rawValue) })

        try Self.editDeleteBy(fixture, set: sets[0], location: .local, to: monthly.deleteBy)
        for set in sets[1...] {
            let target = fixture.root.url.appendingPathComponent("restored-\(set.rawValue)")
            _ = try RestoreJob(home: home).run(customer: CustomerID("c1")!, set: set, from: .local, to: target)
            #expect(try Data(contentsOf: target.appendingPathComponent("big.bin")) == Data(randomBytes(50_000, seed: 3)))
        }
    }

    /// The monthly's offsite row says 5 November; the offsite weekly depends on it. The offsite
    /// monthly is held (the local one is not due); its row repaired, the weekly restores from offsite.
    @Test func aBaseWhoseDependantIsKeptIsHeldOffsite() throws {
        let fixture = try JobFixture(customers: ["c1": ["a.txt": Array("one".utf8), "big.bin": randomBytes(50_000, seed: 4)]],
                                     now: Self.at("2026-11-01T00:00:00Z"), policy: Self.unlockedPolicy)
        let offsite = InMemoryObjectStore(location: .offsite, clock: fixture.clock, lockMode: nil)
        let sets = try Self.threeNights(fixture, offsite: offsite)
        let home = try fixture.home(offsiteStore: offsite)
        let weekly = try #require(try home.catalog.copies(set: sets[1], location: .offsite).first)
        #expect(weekly.baseArchiveID != nil && weekly.state == .live)
        let monthly = try #require(try home.catalog.copies(set: sets[0], location: .offsite).first)
        try Self.editDeleteBy(fixture, set: sets[0], location: .offsite, to: Self.editedDeleteBy)
        fixture.clock.set(Self.expiryNight)

        let outcome = try ExpireJob(home: fixture.home(offsiteStore: offsite)).run()
        #expect(outcome.state == .partial)
        #expect(outcome.results.first { $0.copyID == monthly.id }?.status == .held)
        #expect(try offsite.head(monthly.objectKey) != nil)
        try Self.editDeleteBy(fixture, set: sets[0], location: .offsite, to: monthly.deleteBy)
        let target = fixture.root.url.appendingPathComponent("restored")
        _ = try RestoreJob(home: fixture.home(offsiteStore: offsite)).run(customer: CustomerID("c1")!, set: sets[1], from: .offsite, to: target)
        #expect(try Data(contentsOf: target.appendingPathComponent("big.bin")) == Data(randomBytes(50_000, seed: 4)))
    }

    /// All three local rows say 5 November: the run deletes the daily first, then the weekly,
    /// then the monthly. When the daily cannot be deleted, its weekly and their monthly are held
    /// in that run (a dependant still stored); the next run deletes all three, dependants first.
    @Test func dependantsGoFirstAndABaseWhoseDependantCouldNotBeDeletedIsHeld() throws {
        let fixture = try JobFixture(customers: ["c1": ["a.txt": Array("one".utf8), "big.bin": randomBytes(50_000, seed: 5)]],
                                     now: Self.at("2026-11-01T00:00:00Z"), policy: Self.unlockedPolicy)
        let sets = try Self.threeNights(fixture)
        for set in sets { try Self.editDeleteBy(fixture, set: set, location: .local, to: Self.editedDeleteBy) }
        fixture.clock.set(Self.expiryNight)
        let copies = try sets.map { try #require(try fixture.home().catalog.copies(set: $0, location: .local).first) }
        let store = RefusingDeleteStore(LocalDirectoryStore(root: fixture.store), refusing: copies[2].objectKey)

        let first = try ExpireJob(home: fixture.home(localStore: store)).run()
        #expect(first.state == .partial)
        let status = Dictionary(uniqueKeysWithValues: first.results.map { ($0.copyID, $0.status) })
        #expect(copies.map { status[$0.id] } == [.held, .held, .failed])
        #expect(first.results.map(\.copyID) == first.plan.decisions.map(\.copyID), "results are in the plan's order")
        #expect(first.results.first { $0.copyID == copies[1].id }?.message?.contains("#\(copies[2].id)") == true)
        for copy in copies {
            #expect(FileManager.default.fileExists(atPath: fixture.store.appendingPathComponent(copy.objectKey.rawValue).path))
        }

        store.refused = nil
        fixture.clock.set(Self.expiryNight.addingTimeInterval(86_400))
        let home = try fixture.home(localStore: store)
        let second = try ExpireJob(home: home).run()
        #expect(second.state == .complete && second.count(.deleted) == 3)
        #expect(store.deletedKeys == [copies[2], copies[1], copies[0]].map(\.objectKey))
        #expect(try Self.events(home, "copy.deleted").map { $0.details["set"] } == [sets[2], sets[1], sets[0]].map(\.rawValue))
    }
}

/// A store that refuses to delete one key (as a store that holds it would) and records the keys
/// it deleted, in order.
final class RefusingDeleteStore: ForwardingObjectStore, @unchecked Sendable {
    let inner: LocalDirectoryStore
    private let lock = NSLock()
    private var refusing: ObjectKey?
    private var deleted: [ObjectKey] = []

    init(_ inner: LocalDirectoryStore, refusing key: ObjectKey) {
        self.inner = inner
        self.refusing = key
    }

    /// The key it refuses to delete (nil: none).
    var refused: ObjectKey? {
        get { lock.withLock { refusing } }
        set { lock.withLock { refusing = newValue } }
    }

    /// The keys deleted so far, in order, each once.
    var deletedKeys: [ObjectKey] { lock.withLock { deleted } }

    func delete(_ key: ObjectKey, versionID: String?) throws {
        if key == refused { throw ObjectStoreError.unavailable("injected fault: this store refuses to delete \(key)") }
        try inner.delete(key, versionID: versionID)
        lock.withLock { if !deleted.contains(key) { deleted.append(key) } }
    }
}
