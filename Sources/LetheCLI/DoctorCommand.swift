import ArgumentParser
import Foundation
import LetheCore
import LetheJobs

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check what an operator checks before trusting the home: each check ok, warn or fail, with what to do.",
        discussion: """
            Checks the configuration and the paths it names, the policy, every key directory and the newest key epoch any \
            of them has seen, owed rotations, the sealed escrow, the local store (writable), the offsite store (a real \
            request) and its object lock against the policy, the clock against the last recorded event, and the last \
            `lethe verify` and `lethe verify --copies` (a warning when none is recorded or it is older than 8 or 35 days, \
            a failure when it found problems). Changes nothing. Exits 1 when any check fails (after printing them all, \
            with --json too), 0 otherwise, warnings included.
            """)

    @OptionGroup var options: HomeOptions

    func run() throws {
        let report = Doctor(home: try options.homeURL(), clock: try SystemClock()).run()
        if options.json {
            try Output.json(report)
        } else {
            let width = report.checks.map(\.check.count).max() ?? 0
            for check in report.checks {
                let status = check.status.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0)
                let name = check.check.padding(toLength: width, withPad: " ", startingAt: 0)
                print("\(status) \(name)  \(check.detail)" + (check.fix.map { "; fix: \($0)" } ?? ""))
            }
            print("\(Wording.count(report.checks.count, "check", "checks")): \(report.failures) failed, "
                  + "\(Wording.count(report.warnings, "warning", "warnings"))" + (report.isHealthy ? "" : ": fix what failed before trusting this home"))
        }
        if !report.isHealthy { throw ExitCode(ExitStatus.failed) }
    }
}
