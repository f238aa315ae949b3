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

    @Option(help: "The policy file.")
    var policy = "policies/default.yaml"

    @Option(help: "The instant to plan at (ISO 8601).")
    var now = "2026-11-29T02:00:00Z"

    @Option(help: "Planning runs; the fastest is reported with the median.")
    var runs = 3

    func run() throws {
        let policy = try PolicyLoader.load(path: self.policy)
        guard let now = Timestamp.parse(now) else { throw ValidationError("--now must be ISO 8601") }
        guard copies > 0, customers > 0, runs > 0 else { throw ValidationError("--copies, --customers and --runs must be positive") }

        let buildStart = ContinuousClock.now
        let facts = Self.catalog(copies: copies, customers: customers, policy: policy, now: now)
        let buildTime = ContinuousClock.now - buildStart
        let catalogRSS = Self.status("VmRSS:")

        var times: [Duration] = []
        var plan: RetentionPlan?
        for _ in 0..<runs {
            plan = nil // release the previous plan before timing the next one
            let start = ContinuousClock.now
            plan = RetentionPlanner.plan(copies: facts, policy: policy, now: now)
            times.append(ContinuousClock.now - start)
        }
        times.sort()
        let result = plan!
        print("retention planner: \(facts.count) copies under \(self.policy) (\(policy.timeZoneName)) at \(Timestamp.iso(now))")
        print("  decisions: \(result.decisions.count) (\(result.count(.keep)) keep, \(result.count(.delete)) delete, \(result.count(.cancelPending)) cancel-pending); \(result.expiredKeyDates.count) expiry dates")
        print("  catalog built in \(Self.seconds(buildTime)) s; resident then \(catalogRSS.map { "\($0 / 1024) MiB" } ?? "unknown")")
        print("  plan: fastest \(Self.seconds(times[0])) s, median \(Self.seconds(times[times.count / 2])) s over \(runs) runs")
        print("  peak RSS (VmHWM): \(Self.status("VmHWM:").map { "\($0 / 1024) MiB" } ?? "unknown")")
    }

    /// A synthetic catalog of exactly `copies` copies, newest set first.
    static func catalog(copies: Int, customers: Int, policy: Policy, now: Date) -> [CopyRecord] {
        let pseudonyms = (0..<customers).map { Pseudonym("p" + String($0, radix: 32).leftPadded(to: 26)) }
        var nights: [Date] = []
        var facts: [CopyRecord] = []
        facts.reserveCapacity(copies)
        var id: Int64 = 0
        // Walk back night by night; classify forwards afterwards would need all dates first, so
        // collect enough nights, then classify oldest first.
        var night = now.addingTimeInterval(-86_400 + 600)
        var estimate = 0
        while estimate < copies {
            nights.append(night)
            estimate += customers * Location.allCases.count
            night = night.addingTimeInterval(-86_400)
        }
        nights.reverse()
        var previous: Date?
        var sets: [(created: Date, retentionClass: RetentionClass, set: SetID)] = []
        for created in nights {
            let retentionClass = SetClassifier.classify(created: created, latestEarlierSet: previous, policy: policy)
            previous = created
            sets.append((created, retentionClass, SetID(Timestamp.compact(created) + "-bnch")))
        }
        // Newest sets first, so the catalog holds the most recent history when it is cut at N.
        outer: for (created, retentionClass, set) in sets.reversed() {
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
                               now: nights[0].addingTimeInterval(-600))
            facts += more.map { var copy = $0; id += 1; copy.id = id; return copy }
        }
        return facts
    }

    static func seconds(_ duration: Duration) -> String {
        let (s, attoseconds) = duration.components
        return String(format: "%.3f", Double(s) + Double(attoseconds) / 1e18)
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
