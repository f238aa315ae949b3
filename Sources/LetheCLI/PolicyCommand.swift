import ArgumentParser
import Foundation
import LetheJobs

struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "policy", abstract: "Work with retention policy files.",
                                                    subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "check", abstract: "Validate policy files.")

        @Argument(help: "Policy files to check.")
        var files: [String]

        func run() throws {
            var failures: [Error] = []
            for file in files {
                do {
                    let policy = try PolicyCheck.check(path: file)
                    print("\(file): ok (policy '\(policy.name)', time zone \(policy.timeZone))")
                } catch {
                    failures.append(error)
                }
            }
            guard failures.isEmpty else {
                for failure in failures.dropLast() { FileHandle.standardError.write(Data("\(failure)\n".utf8)) }
                throw failures.last!
            }
        }
    }
}
