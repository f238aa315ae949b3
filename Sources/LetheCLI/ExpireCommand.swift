import ArgumentParser
import Foundation
import LetheCore
import LetheJobs

struct ExpireCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expire",
        abstract: "Delete every copy whose delete-by has passed, after destroying the expiry keys of those dates.",
        discussion: """
            With --dry-run, prints the plan (each copy, the decision and its reasons) and changes nothing.
            A copy that cannot be deleted (store down, still locked) stays overdue and is retried by the
            next run; the run then exits 2. So does a copy held because a differential archive at the
            same location depends on it (a catalog whose dates say a base goes first: damaged or edited).
            """)

    @OptionGroup var options: HomeOptions

    @Flag(name: .customLong("dry-run"), help: "Print the plan and change nothing.")
    var dryRun = false

    func run() throws {
        let job = ExpireJob(home: try options.open())
        if dryRun {
            let plan = try job.plan()
            print(options.json ? plan.json() : plan.text, terminator: "")
            return
        }
        let outcome = try job.run()
        try ExpireReport.print(outcome, json: options.json)
        if outcome.state == .partial { throw ExitCode(ExitStatus.partial) }
    }
}

/// How an expire run's outcome is shown.
enum ExpireReport {
    static func print(_ outcome: ExpireOutcome, json: Bool) throws {
        if json { return try Output.json(outcome) }
        let keys = outcome.destroyedKeyDates.map(Timestamp.iso).joined(separator: ", ")
        Swift.print("Expired at \(Timestamp.iso(outcome.plan.now)): \(outcome.count(.deleted)) deleted, "
                    + "\(outcome.count(.cancelled)) pending cancelled, \(outcome.count(.failed)) failed, \(outcome.count(.held)) held, "
                    + "\(outcome.count(.kept)) kept; expiry keys destroyed: \(keys.isEmpty ? "none" : keys); state \(outcome.state.rawValue)")
        if let rotation = outcome.rotation?.rotation {
            Swift.print("  key-encryption key rotated: epoch \(rotation.fromEpoch) -> \(rotation.toEpoch): copies of the key store taken before this run no longer open the destroyed expiry keys")
        }
        if let owed = outcome.rotationOwed { Swift.print("  ROTATION OWED: \(owed)") }
        let decisions = Dictionary(uniqueKeysWithValues: outcome.plan.decisions.map { ($0.copyID, $0) })
        for result in outcome.results where result.status == .failed || result.status == .held {
            let decision = decisions[result.copyID]
            Swift.print("  \(result.status == .held ? "held" : "overdue"): #\(result.copyID) \(decision?.location.rawValue ?? "") \(decision?.setID.rawValue ?? "") "
                        + "\(decision?.pseudonym.rawValue ?? ""): \(result.message ?? "")")
        }
    }
}
