import ArgumentParser
import Foundation
import LetheCore
import LetheJobs

/// Times `lethe expire` when one delete-by date's expiry key is due, in a home with many keyed
/// customers: the run destroys that expiry key, rotates the key-encryption key (every customer
/// key and every other expiry key re-wrapped, the old KEK destroyed in every key directory),
/// records both, then marks the date's copies deleted.
///
/// The home is ``BenchHome``'s (the shred benchmark's); its copies are catalog rows only, all
/// local, so the run's store look-ups find nothing to delete (no file is unlinked) and the run
/// marks the due copies deleted with their ledger events. Inside each run, the log's events
/// split the time: until `expire.keys_destroyed` (read the catalog, plan, destroy the expiry
/// key), until `keys.rotated` (the rotation and its ledger event), until the end (the due
/// copies). Before each run the dry run (`ExpireJob.plan()`: read the catalog, plan) is timed
/// on its own; destroying an expiry key and rotating are also timed alone, as the public steps.
struct ExpireBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expire",
        abstract: "Time an expire that destroys an expiry key and rotates the KEK, against the number of customers.")

    @Option(help: "Customer counts to measure, comma-separated.")
    var customers: String = "1000,10000,100000"

    @Option(help: "Expire runs to time in each home (each one day later); the median is reported.")
    var repeats: Int = 3

    @OptionGroup var options: BenchHomeOptions

    func run() throws {
        let counts = try BenchTiming.counts(customers, over: 0, option: "--customers")
        guard repeats > 0, options.expiryKeys > repeats else { throw ValidationError("--expiry-keys must be larger than --repeats (> 0)") }
        try options.measureEach(counts, benchmark: "expire", header: """
            customers  copies   due/run  setup      expire (median of \(repeats))              dry run   until keys destroyed  rotation in run  \
            due copies  destroy alone  rotate alone  re-wrapped
            """, row: Self.row, measure: measure)
    }

    /// One measurement as a table row under the header `run()` prints.
    static func row(_ result: Result) -> String {
        let s: (Double) -> String = BenchTiming.seconds
        let runs: String = result.expire_seconds.map(s).joined(separator: ", ")
        let cells: [String] = [
            String(result.home.customers).padding(10), String(result.home.copies).padding(8), String(result.due_copies_per_run).padding(8),
            s(result.home.setup_seconds).padding(10), (s(result.expire_seconds_median) + " (" + runs + ")").padding(38),
            s(BenchTiming.median(result.dry_run_seconds)).padding(9), s(BenchTiming.median(result.until_keys_destroyed_seconds)).padding(21),
            s(BenchTiming.median(result.rotation_in_run_seconds)).padding(16), s(BenchTiming.median(result.due_copies_seconds)).padding(11),
            s(result.destroy_alone_seconds).padding(14), s(result.rotate_alone_seconds).padding(13), String(result.rewrapped_keys),
        ]
        return cells.joined(separator: " ")
    }

    /// One measurement, as printed with --json (each list has one entry per run).
    struct Result: Codable {
        var home: BenchHome.Figures
        var due_copies_per_run: Int
        var expire_seconds: [Double]
        var expire_seconds_median: Double
        var dry_run_seconds: [Double]
        var until_keys_destroyed_seconds: [Double]
        var rotation_in_run_seconds: [Double]
        var due_copies_seconds: [Double]
        var destroy_alone_seconds: Double
        var rotate_alone_seconds: Double
        var rewrapped_keys: Int
    }

    func measure(customers count: Int, root: URL) throws -> Result {
        let bench = try BenchHome(customers: count, offsiteEvery: nil, options: options, root: root)
        var totals: [Double] = [], plans: [Double] = [], untilDestroyed: [Double] = [], rotations: [Double] = [], dueCopies: [Double] = []
        var due = 0, rewrapped = 0
        for run in 0..<repeats {
            // One more delete-by date due than the run before; each run in a freshly opened home.
            bench.clock.set(bench.deleteBys[run].addingTimeInterval(3_600))
            let (planSeconds, _) = try BenchTiming.time { try ExpireJob(home: try bench.open()).plan() }
            plans.append(planSeconds)
            let events = EventTimes()
            let home = try bench.open(log: EventLog(style: .human, verbose: false) { events.note($0) })
            let began = DispatchTime.now().uptimeNanoseconds
            let outcome = try ExpireJob(home: home).run()
            let total = BenchTiming.elapsed(since: began)
            guard outcome.state == .complete, outcome.destroyedKeyDates == [bench.deleteBys[run]],
                  let rotation = outcome.rotation, rotation.complete, let summary = rotation.rotation else {
                throw ValidationError("the benchmark expire did not destroy one expiry key and rotate: \(outcome.state.rawValue), "
                                      + "\(outcome.destroyedKeyDates.count) key(s) destroyed, \(outcome.rotationOwed ?? "no rotation")")
            }
            let destroyed = try events.seconds(after: began, at: "expire.keys_destroyed")
            let rotated = try events.seconds(after: began, at: "keys.rotated")
            totals.append(total)
            untilDestroyed.append(destroyed)
            rotations.append(rotated - destroyed)
            dueCopies.append(total - rotated)
            due = outcome.count(.deleted)
            rewrapped = summary.rewrappedKeys
        }

        // The key part's two public steps alone, on the next date: destroy, then the owed rotation.
        bench.clock.set(bench.deleteBys[repeats].addingTimeInterval(3_600))
        let keys = try bench.open().keys
        let (destroySeconds, destroyed) = try BenchTiming.time { try keys.destroyExpiryKeys(dueBy: bench.clock.now()) }
        let keysJob = KeysJob(home: try bench.open())
        let (rotateSeconds, rotation) = try BenchTiming.time { try keysJob.rotate() }
        guard destroyed.count == 1, rotation.complete else { throw ValidationError("the benchmark's destroy and rotate alone did not complete") }

        return Result(home: bench.figures(customers: count, options: options), due_copies_per_run: due, expire_seconds: totals,
                      expire_seconds_median: BenchTiming.median(totals), dry_run_seconds: plans, until_keys_destroyed_seconds: untilDestroyed,
                      rotation_in_run_seconds: rotations, due_copies_seconds: dueCopies, destroy_alone_seconds: destroySeconds,
                      rotate_alone_seconds: rotateSeconds, rewrapped_keys: rewrapped)
    }
}

/// When each log event of a run was written (monotonic clock), from the log's own lines.
final class EventTimes: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [(nanoseconds: UInt64, line: String)] = []

    /// Notes a log line as it is written.
    func note(_ line: String) {
        let now = DispatchTime.now().uptimeNanoseconds
        lock.withLock { lines.append((now, line)) }
    }

    /// Seconds from `began` to the first line naming `event` (human style: the event comes first).
    func seconds(after began: UInt64, at event: String) throws -> Double {
        guard let hit = lock.withLock({ lines.first { $0.line == event || $0.line.hasPrefix(event + " ") } }) else {
            throw ValidationError("the run logged no \(event) event")
        }
        return Double(hit.nanoseconds - began) / 1e9
    }
}

private extension String {
    /// Left-aligned in `width` columns.
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
