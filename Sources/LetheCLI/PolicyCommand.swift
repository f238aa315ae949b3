import ArgumentParser
import Foundation
import LetheJobs
import LethePolicy

struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "policy", abstract: "Work with retention policy files.",
                                                    subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check", abstract: "Validate policy files.",
            discussion: "For each valid file, also says how backups write each class it keeps: in full, or as differentials "
                + "against the newest archive of a class whose copies outlive them at every location.")

        @Argument(help: "Policy files to check.")
        var files: [String]

        @Flag(help: "Print the valid files' summaries as JSON (problems still go to standard error).")
        var json = false

        func run() throws {
            var failures: [Error] = []
            var checked: [Checked] = []
            for file in files {
                do {
                    let policy = try PolicyCheck.check(path: file)
                    checked.append(Checked(file: file, policy: policy.name, timeZone: policy.timeZone, classes: policy.levels))
                    if !json {
                        print("\(file): ok (policy '\(policy.name)', time zone \(policy.timeZone))")
                        for line in policy.levels.flatMap(\.lines) { print("  " + line) }
                    }
                } catch {
                    failures.append(error)
                }
            }
            if json { try Output.json(["policies": checked]) }
            guard failures.isEmpty else {
                for failure in failures.dropLast() { FileHandle.standardError.write(Data("\(failure)\n".utf8)) }
                throw failures.last!
            }
        }
    }

    /// One valid file in `policy check --json`.
    struct Checked: Encodable {
        var file: String, policy: String, timeZone: String, classes: [ClassLevels]
        enum CodingKeys: String, CodingKey { case file, policy, timeZone = "time_zone", classes }
    }
}
