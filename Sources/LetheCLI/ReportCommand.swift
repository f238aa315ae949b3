import ArgumentParser
import Foundation
import LetheJobs
import LetheReport

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the retention report for auditors (HTML for people, JSON and CSV for tools).",
        discussion: """
            The report shows the policy, the ledger's verification and head hash, copies per location and \
            state, every overdue copy with its last failure, the oldest copy against max_age, sets, erasures \
            (pseudonyms and request references only), expiry-key destructions and recent expire runs. CSV has \
            one row per copy. Running it records a report.generated event in the ledger.
            The verdict is red when anything is wrong: overdue copies, an unfinished shred, offsite copies the \
            policy keeps but no offsite store makes, a verify that found problems, never ran or is older than 8 days.
            Exit status: 0 when the report was written, overdue copies or not (the report flags them); 1 when \
            a shred is unfinished (interrupted, or no complete key-encryption-key rotation after it: the report \
            is still written, flags it in red and names what to run; the report itself changes nothing); 3 when \
            the ledger's hash chain is broken (the report is still written, and flags it).
            """)

    @OptionGroup var options: HomeOptions

    @Option(help: "html, json or csv (default: html).")
    var format: ReportFormat = .html

    @Option(help: "The file to write, replaced atomically (default: standard output); FILE.minisig beside it holds its signature.")
    var out: String?

    func run() throws {
        let job = ReportJob(home: try options.open())
        let output = out.map { URL(fileURLWithPath: $0) }
        let report = try job.run(format: format, deliver: { text in
            if let output {
                try ReportJob.write(text, to: output)
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        }, deliverSignature: output.map { output in { try ReportJob.write($0, to: DocumentSigner.signatureFile(for: output)) } })
        if let unfinished = report.unfinishedShred {
            FileHandle.standardError.write(Data("lethe: a shred is unfinished (\(report.summary.headline)): \(unfinished.fix); the report was written and flags it\n".utf8))
        }
        if !report.ledger.intact {
            FileHandle.standardError.write(Data("lethe: the ledger is broken at event \(report.ledger.firstBrokenEvent.map(String.init) ?? "?"): \(report.ledger.problem ?? "the chain does not check"); the report was written and flags it\n".utf8))
            throw ExitCode(ExitStatus.integrity)
        }
        if report.summary.unfinishedShred { throw ExitCode(ExitStatus.failed) }
    }
}

extension ReportFormat: ExpressibleByArgument {}
