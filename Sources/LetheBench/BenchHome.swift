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
/// so on the morning after the last night (the clock's reading when built) no expiry key is due yet.
struct BenchHome {
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
    /// Catalog rows written.
    let copies: Int
    /// Wall time the set-up took.
    let setupSeconds: Double

    /// What a benchmark's result says of the home it ran in (`--json` keys as written).
    struct Figures: Codable {
        var customers: Int
        var copies: Int
        var expiry_keys: Int
        var key_directories: Int
        var setup_seconds: Double
    }

    /// The home's figures: `customers` keyed, shaped by `options`.
    func figures(customers: Int, options: BenchHomeOptions) -> Figures {
        Figures(customers: customers, copies: copies, expiry_keys: options.expiryKeys,
                key_directories: max(1, options.keyDirectories), setup_seconds: setupSeconds)
    }

    /// Builds the home of `customers` under `root` (its folder `home`, the source and mirrors
    /// beside it), shaped by `options`; every `offsiteEvery`-th customer's copies are offsite
    /// (nil: every copy is local).
    init(customers customerCount: Int, offsiteEvery: Int?, options: BenchHomeOptions, root: URL) throws {
        let setupStart = Date()
        let start = Self.start
        let source = root.appendingPathComponent("source")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        url = root.appendingPathComponent("home")
        let mirrors = (1..<max(1, options.keyDirectories)).map { root.appendingPathComponent("mirror-\($0)") }
        try BenchHomeSetup.create(home: url, source: source, policy: Self.policy, keyMirrors: mirrors, now: start)
        clock = BenchClock(start)
        let home = try Home(url: url, clock: clock, log: EventLog(style: .silent))

        // Keyed customers, as the first nightly run keys them: in one commit.
        let customers = (0..<customerCount).map { CustomerID("customer-\($0)")! }
        try home.keys.createMissingKeys(for: customers, now: start)
        let pseudonyms = try customers.map { try home.keys.keys(for: $0)!.pseudonym }

        // Simulated copies: one set per night (the sets first: copies reference them), written
        // in large transactions.
        let sets = max(1, (options.copies + customerCount - 1) / customerCount)
        let morning = start.addingTimeInterval(Double(sets) * 86_400)
        let deleteBys = (0..<max(1, options.expiryKeys)).map { morning.addingTimeInterval(Double($0 + 1) * 86_400) }
        for date in deleteBys { _ = try home.keys.expiryKeyCreatingIfNeeded(deleteBy: date) }
        var catalog = SimulatedCatalog(home.catalog, batchSize: 200_000)
        let setIDs = try (0..<sets).map { night in
            let created = start.addingTimeInterval(Double(night) * 86_400)
            return (id: try catalog.beginSet(created: created, retentionClass: .daily, customers: customers.count, policy: "bench"), created: created)
        }
        var written = 0
        for (night, set) in setIDs.enumerated() {
            for index in 0..<customerCount where written < options.copies {
                // Cheap distinct ids: random ids cost a system call per character.
                let archive = ArchiveID(String(format: "bench%05d%016d", night, index))
                let offsite = offsiteEvery.map { index % $0 == 0 } ?? false
                try catalog.append(CopyRecord(archiveID: archive, setID: set.id, pseudonym: pseudonyms[index], retentionClass: .daily,
                                              location: offsite ? .offsite : .local,
                                              objectKey: .archive(pseudonym: pseudonyms[index], set: set.id, archive: archive),
                                              created: set.created, deleteBy: deleteBys[(night + index) % deleteBys.count],
                                              state: .live, bytes: options.bytesPerCopy), at: start)
                written += 1
            }
        }
        try catalog.flush(at: start)
        copies = written
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
