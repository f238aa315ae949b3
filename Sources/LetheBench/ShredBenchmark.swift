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

    @Option(help: "Shreds to time in each home (different customers); the median is reported.")
    var repeats: Int = 3

    @OptionGroup var options: BenchHomeOptions

    func run() throws {
        let counts = try BenchTiming.counts(customers, over: repeats, option: "--customers")
        try options.measureEach(counts, benchmark: "shred",
                             header: "customers  copies     catalogued  expiry-keys  setup     shred (median of \(repeats))  rotate alone  re-wrapped",
                             row: Self.row, measure: measure)
    }

    /// One measurement as a table row under the header `run()` prints.
    static func row(_ result: Result) -> String {
        String(format: "%-10d %-10d %-11@ %-12d %-9@ %-25@ %-13@ %d", result.home.customers, result.home.copies,
               BenchTiming.bytes(result.catalogued_bytes) as NSString, result.home.expiry_keys,
               BenchTiming.seconds(result.home.setup_seconds) as NSString,
               (BenchTiming.seconds(result.shred_seconds_median) + " (" + result.shred_seconds.map(BenchTiming.seconds).joined(separator: ", ") + ")") as NSString,
               BenchTiming.seconds(result.rotate_seconds) as NSString, result.rewrapped_keys)
    }

    /// One measurement, as printed with --json.
    struct Result: Codable {
        var home: BenchHome.Figures
        var catalogued_bytes: Int64
        var shred_seconds: [Double]
        var shred_seconds_median: Double
        var rotate_seconds: Double
        var rewrapped_keys: Int
        var unreadable_copies_per_shred: Int
    }

    func measure(customers count: Int, root: URL) throws -> Result {
        let bench = try BenchHome(customers: count, offsiteEvery: 4, options: options, root: root)

        // The shreds, each from a freshly opened home (as each CLI run does).
        var timings: [Double] = []
        var unreadable = 0
        for attempt in 0..<repeats {
            let customer = CustomerID("customer-\((attempt * 7919 + count / 2) % count)")!
            let fresh = try bench.open()
            let (seconds, receipt) = try BenchTiming.time { try ShredJob(home: fresh).run(customer: customer, request: "BENCH-\(attempt)") }
            timings.append(seconds)
            guard receipt.complete, receipt.status == .shredded else {
                throw ValidationError("the benchmark shred did not complete: \(receipt.incomplete ?? "already shredded")")
            }
            unreadable = receipt.unreadable.reduce(0) { $0 + $1.copies }
        }
        let keysJob = KeysJob(home: try bench.open())
        let (rotateSeconds, rotation) = try BenchTiming.time { try keysJob.rotate() }
        guard rotation.complete else { throw ValidationError("the benchmark rotation did not complete: \(rotation.incomplete ?? "")") }

        return Result(home: bench.figures(customers: count, options: options), catalogued_bytes: Int64(bench.copies) * options.bytesPerCopy,
                      shred_seconds: timings,
                      shred_seconds_median: BenchTiming.median(timings), rotate_seconds: rotateSeconds,
                      rewrapped_keys: rotation.rotation?.rewrappedKeys ?? 0, unreadable_copies_per_shred: unreadable)
    }
}
