import ArgumentParser

/// `lethe-bench`: benchmarks of Lethe's own parts, run in release mode by `scripts/bench-*.sh`.
/// Each subcommand lives in its own file.
@main
struct LetheBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lethe-bench",
        abstract: "Benchmarks of Lethe's own parts (build with -c release).",
        subcommands: [PlannerBench.self, ShredBenchmark.self, ExpireBenchmark.self, OffsiteListBenchmark.self])
}
