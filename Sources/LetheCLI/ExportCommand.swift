import ArgumentParser
import Foundation
import LetheCore
import LetheJobs
import LetheTar

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write one customer's data as a standard tar or zip (data portability).",
        discussion: "The output is not encrypted. It appears only once complete; an existing file is never replaced.")

    @OptionGroup var options: HomeOptions
    @OptionGroup var customer: CustomerOption

    @OptionGroup var copy: CopyOption

    @Option(help: "The file to write; it must not exist.")
    var out: String

    @Option(help: "tar or zip (default: from the file name, else tar).")
    var format: ExportFormat?

    func run() throws {
        let output = URL(fileURLWithPath: out)
        let chosen = format ?? (output.pathExtension.lowercased() == "zip" ? .zip : .tar)
        let outcome = try ExportJob(home: try options.open()).run(customer: try customer.id(), set: copy.setID,
                                                                  from: copy.from, to: output, format: chosen)
        if options.json { return try Output.json(outcome) }
        print("Exported set \(outcome.set) from \(outcome.location) as \(outcome.format) into \(outcome.output): \(outcome.bytes) bytes")
    }
}

extension ExportFormat: ExpressibleByArgument {}
