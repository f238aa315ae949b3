import Foundation
import LetheCore
import LetheJobs
import LetheStore
import LetheTestSupport

/// A home with a known history, driven in-process with a manual clock, for the report tests.
///
/// The golden history (default policy: local daily 7d, weekly 5w, monthly 6m; offsite weekly
/// 5w, monthly 6m, governance lock), two customers:
/// - 1 Nov 2026 02:00 backup (monthly: local + offsite copies);
/// - 2 Nov 02:00 backup (weekly) with the offsite store down: its offsite copies stay pending;
/// - 3 Nov 02:00 backup (daily, local only); the pending offsite copies are caught up;
/// - 4 Nov 02:00 backup (daily);
/// - 10 Nov 02:00 expire, with a local store that refuses the first deletion: the 3 Nov copy of
///   the first customer stays overdue, the other one is deleted;
/// - 10 Nov 09:00 the second customer is shredded (request ERASURE-2026-0117);
/// - 10 Nov 10:00 `lethe verify`: the catalog and the stores agree;
/// - the report is taken at 10 Nov 12:00.
///
/// Pseudonyms are random, and rows are ordered by pseudonym within a set; so that the order is
/// the same every run, the two customers' keys are created first and their roles (which
/// content, who is shredded) are given by the order of their pseudonyms.
final class ReportFixture: @unchecked Sendable {
    let root: TemporaryDirectory
    let clock: ManualClock
    let offsite: FaultyObjectStore
    var source: URL { root.url.appendingPathComponent("source") }
    var homeURL: URL { root.url.appendingPathComponent("home") }
    var store: URL { homeURL.appendingPathComponent("store") }
    /// The mirror key directory (only with `keyMirror`).
    var mirror: URL { root.url.appendingPathComponent("vault") }
    /// The customer ids, which must never appear in a report.
    private(set) var customerIDs: [String] = []

    static func at(_ text: String) -> Date { Timestamp.parse(text)! }

    /// A home created at 1 Nov 2026 00:00 whose customers (ids → file contents) are written to
    /// the source tree in the order of their pseudonyms: the first id's pseudonym sorts first.
    /// With `keyMirror`, the home mirrors its key directory in ``mirror``.
    init(customers: [(id: String, files: [String: String])], keyMirror: Bool = false) throws {
        root = try TemporaryDirectory(prefix: "lethe-report")
        clock = ManualClock(Self.at("2026-11-01T00:00:00Z"))
        offsite = FaultyObjectStore(wrapping: InMemoryObjectStore(location: .offsite, clock: clock, lockMode: .governance))
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        let configuration = try HomeSetup.create(.init(home: homeURL, source: source, keyMirrors: keyMirror ? [mirror] : []), now: clock.now())
        // The offsite store is injected (``home(localStore:)``), so the default policy with offsite copies is written over the local-only one.
        try Data(try ShippedPolicy.defaultText.utf8).write(to: URL(fileURLWithPath: configuration.policy))
        // Key the ids first, then hand out the contents in pseudonym order.
        let home = try self.home()
        let ids = try customers.map { customer in
            (id: customer.id, pseudonym: try home.keys.keysCreatingIfNeeded(for: CustomerID(customer.id)!, now: clock.now()).pseudonym)
        }.sorted { $0.pseudonym < $1.pseudonym }.map(\.id)
        customerIDs = ids
        for (id, customer) in zip(ids, customers) {
            for (path, text) in customer.files {
                let url = source.appendingPathComponent(id).appendingPathComponent(path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(text.utf8).write(to: url)
            }
        }
        try Tree.pinTimes(under: source)
    }

    /// Opens the home (a fresh `Home` each time, as each CLI run does).
    func home(localStore: (any ObjectStore)? = nil) throws -> Home {
        try Home(url: homeURL, clock: clock, log: EventLog(style: .silent), localStore: localStore, offsiteStore: offsite)
    }

    /// Runs one backup at `time` and returns the set id.
    @discardableResult
    func backup(at time: String) throws -> SetID {
        clock.set(Self.at(time))
        return try BackupJob(home: home()).run().set
    }

    /// The golden history described above, the clock left at the report's instant.
    static func golden() throws -> ReportFixture {
        let fixture = try ReportFixture(customers: [
            (id: "acme-gmbh-4711", files: ["orders.csv": "id,total\n1,20\n2,35\n", "notes/readme.txt": "kept customer\n"]),
            (id: "globex-sarl-0815", files: ["profile.json": "{\"plan\":\"gold\"}\n"]),
        ])
        try fixture.backup(at: "2026-11-01T02:00:00Z")
        fixture.offsite.isDown = true
        try fixture.backup(at: "2026-11-02T02:00:00Z")
        fixture.offsite.isDown = false
        try fixture.backup(at: "2026-11-03T02:00:00Z")
        try fixture.backup(at: "2026-11-04T02:00:00Z")

        fixture.clock.set(at("2026-11-10T02:00:00Z"))
        let local = FaultyObjectStore(wrapping: LocalDirectoryStore(root: fixture.store))
        local.failNext(1)
        let expire = try ExpireJob(home: fixture.home(localStore: local)).run()
        guard expire.state == .partial, expire.count(.failed) == 1, expire.count(.deleted) == 1 else {
            throw FixtureError("the golden expire run should fail once and delete once: \(expire.results)")
        }

        fixture.clock.set(at("2026-11-10T09:00:00Z"))
        let receipt = try ShredJob(home: fixture.home()).run(customer: CustomerID(fixture.customerIDs[1])!, request: "ERASURE-2026-0117")
        guard receipt.complete else { throw FixtureError("the golden shred did not complete: \(receipt.incomplete ?? "")") }

        fixture.clock.set(at("2026-11-10T10:00:00Z"))
        let verified = try StructureVerification(home: fixture.home()).run()
        guard verified.findings.isEmpty else { throw FixtureError("the golden verify should find nothing: \(verified.findings)") }

        fixture.clock.set(at("2026-11-10T12:00:00Z"))
        return fixture
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
