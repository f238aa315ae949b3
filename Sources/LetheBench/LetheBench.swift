import ArgumentParser

/// Benchmarks of Lethe's jobs on synthetic homes; each subcommand lives in its own file.
@main
struct LetheBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lethe-bench",
        abstract: "Benchmarks of Lethe's jobs on synthetic homes.",
        subcommands: [ShredBenchmark.self])
}
