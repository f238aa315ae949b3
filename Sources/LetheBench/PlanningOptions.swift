import ArgumentParser
import Foundation
import LetheCore
import LethePolicy

/// The options the planning benchmarks (`planner`, `offsite-list`) share: the policy, the instant
/// to plan at, and how many timed runs.
struct PlanningOptions: ParsableArguments {
    @Option(help: "The policy file (offsite-list: its offsite tier decides which sets have offsite copies).")
    var policy = "policies/default.yaml"

    @Option(help: "The instant to plan at (ISO 8601).")
    var now = "2026-11-29T02:00:00Z"

    @Option(help: "Timed runs of each measurement; the fastest and the median are printed.")
    var runs = 3

    /// The policy file loaded, and `--now`.
    func load() throws -> (policy: Policy, now: Date) {
        let policy = try PolicyLoader.load(path: self.policy)
        guard let now = Timestamp.parse(now) else { throw ValidationError("--now must be ISO 8601") }
        return (policy, now)
    }

    /// `count` sets, one a night on the days before `now` (ten minutes past its time of day),
    /// oldest first, each classified as the nightly run classifies it under `policy`.
    static func nightlySets(count: Int, before now: Date, policy: Policy) -> [(created: Date, retentionClass: RetentionClass)] {
        var previous: Date?
        return stride(from: count, through: 1, by: -1).map { night in
            let created = now.addingTimeInterval(-Double(night) * 86_400 + 600)
            defer { previous = created }
            return (created, SetClassifier.classify(created: created, latestEarlierSet: previous, policy: policy))
        }
    }
}
