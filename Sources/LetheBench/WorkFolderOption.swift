import ArgumentParser
import Foundation

/// `--work`: where a benchmark builds its homes, shared by the benchmarks that build one.
struct WorkFolderOption: ParsableArguments {
    @Option(help: "Where to build the homes (default: a temporary folder, removed afterwards).")
    var work: String?

    /// Runs `body` with the folder given by `--work`, or with a fresh temporary folder named
    /// after `benchmark` that is removed afterwards.
    func withFolder<T>(for benchmark: String, _ body: (URL) throws -> T) rethrows -> T {
        let root = work.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("lethe-bench-\(benchmark)-\(UUID().uuidString)")
        defer { if work == nil { try? FileManager.default.removeItem(at: root) } }
        return try body(root)
    }
}
