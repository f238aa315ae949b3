import ArgumentParser
import Foundation
import LetheCatalog
import LetheCore
import LetheJobs
import LetheKeys

/// Times one crypto-shred in a home with many keyed customers and a big simulated catalog.
///
/// The home is real (key store, key directories, catalog, ledger); only the catalog's copies
/// are simulated rows (no archive bytes on disk), since a shred never reads a copy: what it
/// costs grows with the number of keys to re-wrap, not with the bytes backed up.
struct ShredBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shred",
        abstract: "Time a crypto-shred against the number of customers and catalogued copies.")

    @Option(help: "Customer counts to measure, comma-separated.")
    var customers: String = "10000"

    @Option(help: "Simulated catalog rows (copies) in each home.")
    var copies: Int = 1_000_000

    @Option(help: "Bytes each simulated copy claims (100 KB x 1,000,000 = 100 GB).")
    var bytesPerCopy: Int64 = 100_000

    @Option(help: "Expiry keys (delete-by dates) in each home.")
    var expiryKeys: Int = 190

    @Option(help: "Key directories (the primary plus mirrors).")
    var keyDirectories: Int = 2

    @Option(help: "Shreds to time in each home (different customers); the median is reported.")
    var repeats: Int = 3

    @Option(help: "Where to build the homes (default: a temporary folder, removed afterwards).")
    var work: String?

    @Flag(help: "Print one JSON object per measurement.")
    var json = false

    func run() throws {
        let counts = customers.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !counts.isEmpty, counts.allSatisfy({ $0 > repeats }) else {
            throw ValidationError("--customers must be a list of counts larger than --repeats")
        }
        let root = work.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("lethe-bench-shred-\(UUID().uuidString)")
        defer { if work == nil { try? FileManager.default.removeItem(at: root) } }
        if !json {
            print("customers  copies     catalogued  expiry-keys  setup     shred (median of \(repeats))  rotate alone  re-wrapped")
        }
        for count in counts {
            let result = try measure(customers: count, root: root.appendingPathComponent("home-\(count)"))
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
            } else {
                print(String(format: "%-10d %-10d %-11@ %-12d %-9@ %-25@ %-13@ %d", result.customers, result.copies,
                             Self.bytes(result.catalogued_bytes) as NSString, result.expiry_keys,
                             Self.seconds(result.setup_seconds) as NSString,
                             (Self.seconds(result.shred_seconds_median) + " (" + result.shred_seconds.map(Self.seconds).joined(separator: ", ") + ")") as NSString,
                             Self.seconds(result.rotate_seconds) as NSString, result.rewrapped_keys))
            }
        }
    }

    /// One measurement, as printed with --json.
    struct Result: Codable {
        var customers: Int
        var copies: Int
        var catalogued_bytes: Int64
        var expiry_keys: Int
        var key_directories: Int
        var setup_seconds: Double
        var shred_seconds: [Double]
        var shred_seconds_median: Double
        var rotate_seconds: Double
        var rewrapped_keys: Int
        var unreadable_copies_per_shred: Int
    }

    func measure(customers count: Int, root: URL) throws -> Result {
        let setupStart = Date()
        let source = root.appendingPathComponent("source")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        let homeURL = root.appendingPathComponent("home")
        let start = Date(timeIntervalSince1970: 1_793_577_600)
        let mirrors = (1..<max(1, keyDirectories)).map { root.appendingPathComponent("mirror-\($0)") }
        try HomeSetup.create(.init(home: homeURL, source: source, keyMirrors: mirrors), now: start)
        let clock = BenchClock(start)
        let home = try Home(url: homeURL, clock: clock, log: EventLog(style: .silent))

        // Keyed customers, as the first nightly run would key them.
        var pseudonyms: [Pseudonym] = []
        pseudonyms.reserveCapacity(count)
        for index in 0..<count {
            pseudonyms.append(try home.keys.keysCreatingIfNeeded(for: CustomerID("customer-\(index)")!, now: start).pseudonym)
        }
        var deleteBys: [Date] = []
        for day in 0..<expiryKeys {
            let date = start.addingTimeInterval(Double(day + 1) * 86_400)
            _ = try home.keys.expiryKeyCreatingIfNeeded(deleteBy: date)
            deleteBys.append(date)
        }

        // Simulated copies: one set per night, every customer in every set, written in large
        // transactions (the sets first: copies reference them).
        let sets = max(1, (copies + count - 1) / count)
        var setIDs: [(id: SetID, created: Date)] = []
        for night in 0..<sets {
            let created = start.addingTimeInterval(Double(night) * 86_400)
            let set = SetID.make(created: created)
            try home.catalog.beginSet(SetRecord(id: set, created: created, retentionClass: .daily, state: .complete, policy: "bench"),
                                      event: LedgerEvent(kind: "set.started", at: created, details: ["set": set.rawValue]))
            setIDs.append((set, created))
        }
        var written = 0
        var batch: [CopyRecord] = []
        func flush() throws {
            guard !batch.isEmpty else { return }
            try home.catalog.recordCopies(batch, event: LedgerEvent(kind: "bench.copies", at: start, details: ["copies": String(batch.count)]))
            batch.removeAll(keepingCapacity: true)
        }
        for (night, set) in setIDs.enumerated() {
            for index in 0..<count where written < copies {
                // Cheap distinct ids: random ids cost a system call per character.
                let archive = ArchiveID(String(format: "bench%05d%016d", night, index))
                batch.append(CopyRecord(archiveID: archive, setID: set.id, pseudonym: pseudonyms[index], retentionClass: .daily,
                                        location: index % 4 == 0 ? .offsite : .local,
                                        objectKey: .archive(pseudonym: pseudonyms[index], set: set.id, archive: archive),
                                        created: set.created, deleteBy: deleteBys[(night + index) % deleteBys.count],
                                        state: .live, bytes: bytesPerCopy))
                written += 1
                if batch.count == 200_000 { try flush() }
            }
        }
        try flush()
        let setupSeconds = Date().timeIntervalSince(setupStart)
        clock.set(start.addingTimeInterval(Double(sets + 1) * 86_400))

        // The shreds, each from a freshly opened home (as each CLI run does).
        var timings: [Double] = []
        var unreadable = 0
        for attempt in 0..<repeats {
            let customer = CustomerID("customer-\((attempt * 7919 + count / 2) % count)")!
            let fresh = try Home(url: homeURL, clock: clock, log: EventLog(style: .silent))
            let began = DispatchTime.now().uptimeNanoseconds
            let receipt = try ShredJob(home: fresh).run(customer: customer, request: "BENCH-\(attempt)")
            timings.append(Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9)
            guard receipt.complete, receipt.status == .shredded else {
                throw ValidationError("the benchmark shred did not complete: \(receipt.incomplete ?? "already shredded")")
            }
            unreadable = receipt.unreadable.reduce(0) { $0 + $1.copies }
        }
        let began = DispatchTime.now().uptimeNanoseconds
        let rotation = try KeysJob(home: try Home(url: homeURL, clock: clock, log: EventLog(style: .silent))).rotate()
        let rotateSeconds = Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9
        guard rotation.complete else { throw ValidationError("the benchmark rotation did not complete: \(rotation.incomplete ?? "")") }

        return Result(customers: count, copies: written, catalogued_bytes: Int64(written) * bytesPerCopy, expiry_keys: expiryKeys,
                      key_directories: max(1, keyDirectories), setup_seconds: setupSeconds, shred_seconds: timings,
                      shred_seconds_median: timings.sorted()[timings.count / 2], rotate_seconds: rotateSeconds,
                      rewrapped_keys: rotation.rotation?.rewrappedKeys ?? 0, unreadable_copies_per_shred: unreadable)
    }

    static func seconds(_ value: Double) -> String { String(format: "%.3f s", value) }

    static func bytes(_ value: Int64) -> String {
        value >= 1_000_000_000 ? String(format: "%.0f GB", Double(value) / 1e9) : String(format: "%.0f MB", Double(value) / 1e6)
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
