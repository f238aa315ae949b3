import ArgumentParser
import Foundation
import LetheCore
import LethePolicy

/// Plans a large synthetic catalog and reports elapsed time and peak memory.
struct PlannerBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "planner",
        abstract: "Plan N synthetic catalogued copies with the retention planner.",
        discussion: """
            The catalog: one set a night going back from --now, classified by SetClassifier under the
            policy, one copy per customer per location keeping that class, with its delete-by from the
            policy, until N copies exist. Planning time excludes building the catalog; peak RSS
            (VmHWM) covers the whole process.
            """)

    @Option(help: "How many copies to plan.")
    var copies = 1_000_000

    @Option(help: "Customers per set.")
    var customers = 5_000

    @OptionGroup var planning: PlanningOptions

    func run() throws {
        let (policy, now) = try planning.load()
        let runs = planning.runs
        guard copies > 0, customers > 0, runs > 0 else { throw ValidationError("--copies, --customers and --runs must be positive") }

        let (buildSeconds, facts) = BenchTiming.time { Self.catalog(copies: copies, customers: customers, policy: policy, now: now) }
        let catalogRSS = Self.status("VmRSS:")

        var times: [Double] = []
        var plan: RetentionPlan?
        for _ in 0..<runs {
            plan = nil // release the previous plan before timing the next one
            let (seconds, planned) = BenchTiming.time { RetentionPlanner.plan(copies: facts, policy: policy, now: now) }
            plan = planned
            times.append(seconds)
        }
        let result = plan!
        print("retention planner: \(facts.count) copies under \(planning.policy) (\(policy.timeZoneName)) at \(Timestamp.iso(now))")
        print("  decisions: \(result.decisions.count) (\(result.count(.keep)) keep, \(result.count(.delete)) delete, \(result.count(.cancelPending)) cancel-pending); \(result.expiredKeyDates.count) expiry dates")
        print("  catalog built in \(BenchTiming.seconds(buildSeconds)); resident then \(catalogRSS.map { "\($0 / 1024) MiB" } ?? "unknown")")
        print("  plan: fastest \(BenchTiming.seconds(times.min()!)), median \(BenchTiming.seconds(BenchTiming.median(times))) over \(runs) runs")
        print("  peak RSS (VmHWM): \(Self.status("VmHWM:").map { "\($0 / 1024) MiB" } ?? "unknown")")
    }

    /// A synthetic catalog of exactly `copies` copies, newest set first.
    static func catalog(copies: Int, customers: Int, policy: Policy, now: Date) -> [CopyRecord] {
        let pseudonyms = (0..<customers).map { Pseudonym("p" + String($0, radix: 32).leftPadded(to: 26)) }
        var facts: [CopyRecord] = []
        facts.reserveCapacity(copies)
        var id: Int64 = 0
        // Enough nights for every customer to have a copy in each location every night.
        let perNight = customers * Location.allCases.count
        let sets = PlanningOptions.nightlySets(count: (copies + perNight - 1) / perNight, before: now, policy: policy)
        // Newest sets first, so the catalog holds the most recent history when it is cut at N.
        outer: for (created, retentionClass) in sets.reversed() {
            let set = SetID(Timestamp.compact(created) + "-bnch")
            let locations = Location.allCases.map { ($0, policy.deleteBy(created: created, class: retentionClass, location: $0)) }
            for pseudonym in pseudonyms {
                for (location, deleteBy) in locations {
                    guard let deleteBy else { continue }
                    id += 1
                    let archive = ArchiveID(String(id, radix: 32).leftPadded(to: 26))
                    facts.append(CopyRecord(id: id, archiveID: archive, setID: set, pseudonym: pseudonym,
                                            retentionClass: retentionClass, location: location,
                                            objectKey: .archive(pseudonym: pseudonym, set: set, archive: archive),
                                            created: created, deleteBy: deleteBy, state: .live, bytes: 0))
                    if facts.count == copies { break outer }
                }
            }
        }
        if facts.count < copies {
            // Locations that keep few classes left the estimate short: repeat older nights.
            let more = catalog(copies: copies - facts.count, customers: customers, policy: policy,
                               now: sets[0].created.addingTimeInterval(-600))
            facts += more.map { var copy = $0; id += 1; copy.id = id; return copy }
        }
        return facts
    }

    /// A field of /proc/self/status in KiB ("VmHWM:" is the peak resident set, "VmRSS:" the current one).
    static func status(_ field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(field) {
            return Int(line.split(separator: " ").dropFirst().first ?? "")
        }
        return nil
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
