import ArgumentParser
import Foundation
import LetheCatalog
import LetheCore
import LetheJobs
import LethePolicy
import LetheS3

/// Times listing offsite copies on an S3-compatible server and planning 100,000 of them.
///
/// Two halves, measured separately because they are bound by different things:
/// - **Listing** (`S3ObjectStore.list(prefix:)`, ListObjectsV2, 1,000 keys a page): real tiny
///   objects named like offsite copies are put in a fresh bucket, and the whole prefix is listed
///   at several sizes. moto answers about 75 requests a second, so 100,000 real objects would
///   take over 20 minutes to put: the figure for 100,000 is extrapolated linearly from the time
///   per object at the largest size measured (whole pages), and printed as such.
/// - **Planning**: a real home (catalog, key store) with 100,000 catalogued offsite copies
///   (rows only: expire plans from the catalog, never from the store), timed as
///   `ExpireJob.plan()`, which is `lethe expire --dry-run`: read the rows, plan.
struct OffsiteListBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "offsite-list",
        abstract: "Time listing offsite copies on an S3 server and planning 100,000 of them.")

    @Option(help: "The S3 endpoint (e.g. the test server's LETHE_TEST_S3_ENDPOINT).")
    var endpoint: String

    @Option(help: "Region to sign for.")
    var region = "us-east-1"

    @Option(help: "Access key id (any for moto's plain mode; default AWS_ACCESS_KEY_ID or lethe-bench).")
    var accessKey = ProcessInfo.processInfo.environment["AWS_ACCESS_KEY_ID"] ?? "lethe-bench"

    @Option(help: "Secret key (default AWS_SECRET_ACCESS_KEY or lethe-bench-secret).")
    var secretKey = ProcessInfo.processInfo.environment["AWS_SECRET_ACCESS_KEY"] ?? "lethe-bench-secret"

    @Option(help: "Real objects to put and list, comma-separated sizes measured in order (cumulative).")
    var objects = "1000,2500,5000"

    @Option(help: "Parallel uploads while filling the bucket.")
    var concurrency = 4

    @Option(help: "Catalogued offsite copies to plan.")
    var copies = 100_000

    @Option(help: "Customers per set.")
    var customers = 1_000

    @OptionGroup var planning: PlanningOptions

    @OptionGroup var workFolder: WorkFolderOption

    @Flag(help: "Skip the listing half (no server needed).")
    var skipList = false

    func run() throws {
        let (policy, now) = try planning.load()
        guard policy.tiers[.offsite] != nil else { throw ValidationError("\(planning.policy) has no offsite tier") }
        let sizes = objects.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !sizes.isEmpty, sizes == sizes.sorted(), sizes[0] > 0, planning.runs > 0, copies > 0, customers > 0 else {
            throw ValidationError("--objects must be increasing positive sizes; --runs, --copies, --customers positive")
        }

        var perObject: Double?
        if !skipList { perObject = try measureListing(sizes: sizes) }
        let planSeconds = try measurePlanning(policy: policy, now: now)
        if let perObject {
            let listing = perObject * Double(copies)
            print("list + plan of \(copies) offsite copies: ~\(BenchTiming.seconds(listing + planSeconds)) "
                + "(listing extrapolated: ~\(BenchTiming.seconds(listing)); planning measured: \(BenchTiming.seconds(planSeconds)))")
        }
    }

    /// Puts tiny objects named like offsite copies and lists them at each size; returns the
    /// median listing seconds per object at the largest size.
    func measureListing(sizes: [Int]) throws -> Double {
        guard let url = URL(string: endpoint) else { throw ValidationError("--endpoint is not a URL") }
        let bucket = "lethe-bench-list-" + RandomName.base32(count: 10)
        let configuration = try S3Configuration(endpoint: url, region: region, bucket: bucket, addressing: .path,
                                                credentials: S3Credentials(accessKeyID: accessKey, secretAccessKey: secretKey),
                                                retry: S3RetryPolicy(maxAttempts: 5, baseDelay: 0.05, maxDelay: 1))
        let store = S3ObjectStore(configuration: configuration)
        try store.createBucket(objectLock: false)
        print("listing: bucket \(bucket) at \(endpoint), ListObjectsV2 with 1,000 keys a page, \(planning.runs) runs per size")
        print("  objects  put (s, rate)           list fastest  median     per page   per 1,000 objects")
        var put = 0
        var perObject = 0.0
        for size in sizes {
            let (putSeconds, _) = try BenchTiming.time { try fill(store, from: put, to: size) }
            let added = size - put
            put = size
            var times: [Double] = []
            for _ in 0..<planning.runs {
                let (seconds, listed) = try BenchTiming.time { try store.list(prefix: "archives/") }
                times.append(seconds)
                guard listed.count == size else { throw ValidationError("listed \(listed.count) objects, expected \(size)") }
            }
            let median = BenchTiming.median(times)
            let pages = Double((size + 999) / 1000)
            perObject = median / Double(size)
            print(String(format: "  %-8d %7.1f s (%4.0f/s)       %8.3f s  %8.3f s  %7.3f s  %7.3f s", size, putSeconds,
                         Double(added) / putSeconds, times.min()!, median, median / pages, perObject * 1000))
        }
        print("  extrapolated linearly to \(copies) objects from the largest size: ~\(BenchTiming.seconds(perObject * Double(copies))) (not measured)")
        return perObject
    }

    /// Puts objects `from..<to` (16 bytes each), `concurrency` at a time.
    func fill(_ store: S3ObjectStore, from: Int, to: Int) throws {
        let failures = FailureBox()
        let next = Counter(from)
        DispatchQueue.concurrentPerform(iterations: max(1, concurrency)) { _ in
            while failures.first == nil, let index = next.take(below: to) {
                do {
                    _ = try store.put(Self.key(index), lockUntil: nil) { sink in try sink.write(Array("offsite copy \(index % 10)".utf8.prefix(16))) }
                } catch {
                    failures.record(error)
                }
            }
        }
        if let error = failures.first { throw error }
    }

    /// A key shaped like a real offsite copy's: 1,000 pseudonyms, one set a week.
    static func key(_ index: Int) -> ObjectKey {
        let pseudonym = Pseudonym(String(format: "p%025d", index % 1000))
        let set = SetID(String(format: "2026%04dT020000Z-bnch", index / 1000 + 101))
        return .archive(pseudonym: pseudonym, set: set, archive: ArchiveID(String(format: "%026d", index)))
    }

    /// Builds a home holding `copies` catalogued offsite copies and times `ExpireJob.plan()`;
    /// returns the median seconds.
    func measurePlanning(policy: Policy, now: Date) throws -> Double {
        try workFolder.withFolder(for: "offsite") { root in
            let homeURL = root.appendingPathComponent("home")
            let source = root.appendingPathComponent("source")
            try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)

            let setupStart = DispatchTime.now().uptimeNanoseconds
            let sets = Self.offsiteSets(count: (copies + customers - 1) / customers, policy: policy, before: now)
            guard let first = sets.first, let last = sets.last else { throw ValidationError("the policy's offsite tier keeps no class") }
            try BenchHomeSetup.create(home: homeURL, source: source, policy: try String(contentsOfFile: planning.policy, encoding: .utf8),
                                      now: first.created)
            let clock = BenchClock(first.created)
            // An offsite store that is never called: planning reads the catalog only.
            let home = try Home(url: homeURL, clock: clock, log: EventLog(style: .silent), offsiteStore: NoStore())
            let pseudonyms = (0..<customers).map { Pseudonym(String(format: "p%025d", $0)) }
            var catalog = SimulatedCatalog(home.catalog, batchSize: 50_000)
            var written = 0
            for set in sets {
                let id = try catalog.beginSet(created: set.created, retentionClass: set.retentionClass, customers: pseudonyms.count,
                                               policy: planning.policy)
                for pseudonym in pseudonyms where written < copies {
                    let archive = ArchiveID(String(format: "bench%08d", written))
                    try catalog.append(CopyRecord(archiveID: archive, setID: id, pseudonym: pseudonym, retentionClass: set.retentionClass,
                                                  location: .offsite, objectKey: .archive(pseudonym: pseudonym, set: id, archive: archive),
                                                  created: set.created, deleteBy: set.deleteBy, state: .live, bytes: 1_800_000,
                                                  versionID: "v\(written)", lockedUntil: set.deleteBy), at: set.created)
                    written += 1
                }
            }
            try catalog.flush(at: last.created)
            let setupSeconds = BenchTiming.elapsed(since: setupStart)
            clock.set(now)

            var times: [Double] = []
            var plan: RetentionPlan?
            for _ in 0..<planning.runs {
                let fresh = try Home(url: homeURL, clock: clock, log: EventLog(style: .silent), offsiteStore: NoStore())
                let (seconds, planned) = try BenchTiming.time { try ExpireJob(home: fresh).plan() }
                times.append(seconds)
                plan = planned
            }
            // The two steps apart: reading the rows, and the pure planner over them.
            var readTimes: [Double] = []
            var planTimes: [Double] = []
            for _ in 0..<planning.runs {
                let fresh = try Home(url: homeURL, clock: clock, log: EventLog(style: .silent), offsiteStore: NoStore())
                let (readSeconds, records) = try BenchTiming.time { try fresh.catalog.copies(states: [.live, .pending, .overdue]) }
                let policy = try fresh.policy
                let (planSeconds, _) = BenchTiming.time { RetentionPlanner.plan(copies: records, policy: policy, now: now) }
                readTimes.append(readSeconds)
                planTimes.append(planSeconds)
            }
            let result = plan!
            let s = BenchTiming.seconds
            print("planning: \(written) catalogued offsite copies (\(sets.count) \(Set(sets.map(\.retentionClass.rawValue)).sorted().joined(separator: "/")) sets x \(customers) customers) under \(planning.policy) at \(Timestamp.iso(now))")
            print("  home built in \(s(setupSeconds)); decisions: \(result.count(.keep)) keep, \(result.count(.delete)) delete")
            print("  ExpireJob.plan() (catalog read + plan, = expire --dry-run without printing): fastest \(s(times.min()!)), median \(s(BenchTiming.median(times))) over \(planning.runs) runs")
            print("    of which reading the rows (Catalog.copies): median \(s(BenchTiming.median(readTimes))); RetentionPlanner.plan alone: median \(s(BenchTiming.median(planTimes)))")
            return BenchTiming.median(times)
        }
    }

    /// The newest `count` sets before `now` (one a night) whose class the offsite tier keeps.
    static func offsiteSets(count: Int, policy: Policy, before now: Date) -> [(created: Date, retentionClass: RetentionClass, deleteBy: Date)] {
        // Classify forwards from far enough back: weeklies and monthlies are about 1 night in 6.
        let kept = PlanningOptions.nightlySets(count: count * 8 + 40, before: now, policy: policy).compactMap { set in
            policy.deleteBy(created: set.created, class: set.retentionClass, location: .offsite).map { (set.created, set.retentionClass, $0) }
        }
        return Array(kept.suffix(count))
    }
}

/// An offsite store that is never called (planning reads the catalog only).
private struct NoStore: ObjectStore {
    var location: Location { .offsite }
    func put(_ key: ObjectKey, lockUntil: Date?, body: (any ByteSink) throws -> Void) throws -> StoredObject { throw Self.unused }
    func get<T>(_ key: ObjectKey, body: (any ByteSource) throws -> T) throws -> T { throw Self.unused }
    func head(_ key: ObjectKey) throws -> StoredObject? { throw Self.unused }
    func list(prefix: String) throws -> [StoredObject] { throw Self.unused }
    func delete(_ key: ObjectKey, versionID: String?) throws { throw Self.unused }
    func removeAbandoned(prefix: String, olderThan age: TimeInterval) throws -> [AbandonedWrite] { throw Self.unused }
    static let unused = ObjectStoreError.failed("the planning benchmark never calls the store")
}

/// The next index to upload, shared by the workers.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int
    init(_ start: Int) { value = start }
    func take(below limit: Int) -> Int? {
        lock.withLock {
            guard value < limit else { return nil }
            defer { value += 1 }
            return value
        }
    }
}

/// The first error any worker hit.
private final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var error: Error?
    var first: Error? { lock.withLock { error } }
    func record(_ error: Error) { lock.withLock { if self.error == nil { self.error = error } } }
}
