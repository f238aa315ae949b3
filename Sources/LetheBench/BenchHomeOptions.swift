import ArgumentParser
import Foundation
import LetheCore

/// The options the shred and expire benchmarks share: the shape of each ``BenchHome``, where to
/// build it, and how to print.
struct BenchHomeOptions: ParsableArguments {
    @Option(help: "Simulated catalog rows (copies) in each home (expire: all local).")
    var copies: Int = 1_000_000

    @Option(help: "Bytes each simulated copy claims (100 KB x 1,000,000 = 100 GB).")
    var bytesPerCopy: Int64 = 100_000

    @Option(help: "Expiry keys (delete-by dates) in each home.")
    var expiryKeys: Int = 190

    @Option(help: "Key directories (the primary plus mirrors).")
    var keyDirectories: Int = 2

    @OptionGroup var workFolder: WorkFolderOption

    @Flag(help: "Print one JSON object per measurement.")
    var json = false

    /// Builds a home for each count under `--work` (or a temporary folder, removed afterwards),
    /// measures it with `measure`, removes it, and prints the header, then each result as a row
    /// or as JSON.
    func measureEach<R: Encodable>(_ counts: [Int], benchmark: String, header: String, row: (R) -> String,
                                   measure: (_ customers: Int, _ root: URL) throws -> R) throws {
        try workFolder.withFolder(for: benchmark) { root in
            if !json { print(header) }
            for count in counts {
                let home = root.appendingPathComponent("home-\(count)")
                let result = try measure(count, home)
                try? FileManager.default.removeItem(at: home)
                if json {
                    print(try LetheJSON.text(result, pretty: false))
                } else {
                    print(row(result))
                }
            }
        }
    }
}
