import ArgumentParser
import Foundation
import LetheCatalog
import LetheCore
import LetheJobs
import LetheKeys

/// A real home (key store, key directories, catalog, ledger, policy) with many keyed customers, one
/// expiry key per delete-by date, and a big simulated catalog: what the shred and expire
/// benchmarks measure against.
///
/// Copies are catalog rows only (no archive bytes on disk): neither a shred nor the key part of
/// an expiry reads a copy. Nights run from `start`, one complete set a night, every customer in
/// every set, until `copies` rows exist; the delete-by dates begin the day after the last night,
/// so at `morning` (the clock's reading when built) no expiry key is due yet.
struct BenchHome {
    /// What to build.
    struct Shape {
        var customers: Int
        var copies: Int
        var bytesPerCopy: Int64
        var expiryKeys: Int
        var keyDirectories: Int
        /// Every `offsiteEvery`-th customer's copies are offsite; nil: every copy is local.
        var offsiteEvery: Int?
    }

    /// The home's policy: the default one, except that dailies are kept (and `max_age` allows)
    /// ten years, so every simulated delete-by is within policy. Under the default policy (7 days,
    /// `max_age` 190 days) the planner would attach two warnings of its own to every copy (the
    /// policy now gives an earlier delete-by; a delete-by beyond `max_age`), which a real home,
    /// whose copies get their delete-by from the policy, never has.
    static let policy = """
        name: bench
        timezone: UTC
        max_age: 3650d
        local:   { daily: 3650d, weekly: 5w, monthly: 6m }
        offsite: { daily: 3650d, weekly: 5w, monthly: 6m, object_lock: governance }

        """

    /// The first night (2026-11-02T00:00:00Z).
    static let start = Date(timeIntervalSince1970: 1_793_577_600)

    let url: URL
    let clock: BenchClock
    /// The delete-by dates, one a day from the day after the last night, each with an expiry key.
    let deleteBys: [Date]
    /// The morning after the last night: later than every recorded event, earlier than every delete-by.
    let morning: Date
    /// Catalog rows written.
    let copies: Int
    /// Wall time the set-up took.
    let setupSeconds: Double

    /// Builds the home under `root` (its folder `home`, the source and mirrors beside it).
    init(shape: Shape, root: URL) throws {
        let setupStart = Date()
        let start = Self.start
        let source = root.appendingPathComponent("source")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        url = root.appendingPathComponent("home")
        let mirrors = (1..<max(1, shape.keyDirectories)).map { root.appendingPathComponent("mirror-\($0)") }
        let policy = root.appendingPathComponent("bench-policy.yaml")
        try Self.policy.write(to: policy, atomically: true, encoding: .utf8)
        try HomeSetup.create(.init(home: url, source: source, policy: policy, keyMirrors: mirrors), now: start)
        clock = BenchClock(start)
        let home = try Home(url: url, clock: clock, log: EventLog(style: .silent))

        // Keyed customers, as the first nightly run keys them: in one commit.
        let customers = (0..<shape.customers).map { CustomerID("customer-\($0)")! }
        try home.keys.createMissingKeys(for: customers, now: start)
        let pseudonyms = try customers.map { try home.keys.keys(for: $0)!.pseudonym }

        // Simulated copies: one set per night (the sets first: copies reference them), written
        // in large transactions.
        let sets = max(1, (shape.copies + shape.customers - 1) / shape.customers)
        let morning = start.addingTimeInterval(Double(sets) * 86_400)
        let deleteBys = (0..<max(1, shape.expiryKeys)).map { morning.addingTimeInterval(Double($0 + 1) * 86_400) }
        for date in deleteBys { _ = try home.keys.expiryKeyCreatingIfNeeded(deleteBy: date) }
        var setIDs: [(id: SetID, created: Date)] = []
        for night in 0..<sets {
            let created = start.addingTimeInterval(Double(night) * 86_400)
            let set = SetID.make(created: created)
            try home.catalog.beginSet(SetRecord(id: set, created: created, retentionClass: .daily, state: .complete, policy: "bench"),
                                      event: LedgerEvent(LedgerEvent.SetStarted(set: set, retentionClass: .daily, customers: customers.count), at: created))
            setIDs.append((set, created))
        }
        var written = 0
        var batch: [CopyRecord] = []
        func flush() throws {
            guard !batch.isEmpty else { return }
            try home.catalog.recordCopies(batch, event: LedgerEvent(LedgerEvent.BenchCopies(copies: batch.count), at: start))
            batch.removeAll(keepingCapacity: true)
        }
        for (night, set) in setIDs.enumerated() {
            for index in 0..<shape.customers where written < shape.copies {
                // Cheap distinct ids: random ids cost a system call per character.
                let archive = ArchiveID(String(format: "bench%05d%016d", night, index))
                let offsite = shape.offsiteEvery.map { index % $0 == 0 } ?? false
                batch.append(CopyRecord(archiveID: archive, setID: set.id, pseudonym: pseudonyms[index], retentionClass: .daily,
                                        location: offsite ? .offsite : .local,
                                        objectKey: .archive(pseudonym: pseudonyms[index], set: set.id, archive: archive),
                                        created: set.created, deleteBy: deleteBys[(night + index) % deleteBys.count],
                                        state: .live, bytes: shape.bytesPerCopy))
                written += 1
                if batch.count == 200_000 { try flush() }
            }
        }
        try flush()
        copies = written
        self.morning = morning
        self.deleteBys = deleteBys
        clock.set(morning)
        setupSeconds = Date().timeIntervalSince(setupStart)
    }

    /// The home freshly opened (as each CLI run opens it), logging with `log`.
    func open(log: EventLog = EventLog(style: .silent)) throws -> Home {
        try Home(url: url, clock: clock, log: log)
    }
}

/// A clock the benchmark moves by hand (the ledger refuses time running backwards).
final class BenchClock: Clock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    init(_ start: Date) { current = start }
    func now() -> Date { lock.withLock { current } }
    func set(_ date: Date) { lock.withLock { current = date } }
}

/// Timing and formatting shared by the benchmarks.
enum BenchTiming {
    /// Seconds `body` took on the monotonic clock, and what it returned.
    static func time<T>(_ body: () throws -> T) rethrows -> (seconds: Double, value: T) {
        let began = DispatchTime.now().uptimeNanoseconds
        let value = try body()
        return (Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9, value)
    }

    /// Seconds since `began` (a `DispatchTime` reading in nanoseconds).
    static func elapsed(since began: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9 }

    /// The median (the upper one for an even count).
    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    /// "0.123 s".
    static func seconds(_ value: Double) -> String { String(format: "%.3f s", value) }

    /// "100 GB" or "10 MB".
    static func bytes(_ value: Int64) -> String {
        value >= 1_000_000_000 ? String(format: "%.0f GB", Double(value) / 1e9) : String(format: "%.0f MB", Double(value) / 1e6)
    }

    /// Comma-separated counts, each larger than `minimum`.
    static func counts(_ list: String, over minimum: Int, option: String) throws -> [Int] {
        let counts = list.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !counts.isEmpty, counts.allSatisfy({ $0 > minimum }) else {
            throw ValidationError("\(option) must be a list of counts larger than \(minimum)")
        }
        return counts
    }
}
