import ArgumentParser
import Foundation
import LetheJobs

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify what Lethe recorded.",
        discussion: "--ledger recomputes the ledger's hash chain; a broken chain exits 3 and names the first broken event.")

    @OptionGroup var options: HomeOptions

    @Flag(name: .long, help: "Recompute the ledger's hash chain.")
    var ledger = false

    func validate() throws {
        guard ledger else { throw ValidationError("say what to verify: --ledger") }
    }

    func run() throws {
        let result = try LedgerCheck(home: try options.open()).run()
        if options.json {
            try Output.json(result)
            if !result.isIntact { throw ExitCode(ExitStatus.integrity) }
            return
        }
        guard let broken = result.firstBrokenSequence else {
            return print("ledger intact: \(result.events) events, every hash and link checks")
        }
        throw JobError.integrity("the ledger is broken at event \(broken) of \(result.events): \(result.problem ?? "the chain does not check"); the events from there on cannot be trusted")
    }
}
