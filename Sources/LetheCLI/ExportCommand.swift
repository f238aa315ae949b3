import ArgumentParser
import Foundation
import LetheCore
import LetheJobs
#if canImport(Glibc)
import Glibc
#endif

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write one customer's data as a standard tar or zip (data portability).",
        discussion: """
            The output is not encrypted. It appears only once complete; an existing file is never replaced. \
            Its format is the one its name ends in: .tar, .tar.gz (gzip), .tar.zst (zstd) or .zip; \
            any other name, or a --format that contradicts it, is refused (exit 64).
            """)

    @OptionGroup var options: HomeOptions
    @OptionGroup var customer: CustomerOption

    @OptionGroup var copy: CopyOption

    @Option(help: "The file to write (.tar, .tar.gz, .tar.zst or .zip); it must not exist. '-' streams to standard output (a pipe or file, not a terminal).")
    var out: String

    @Option(help: "tar, tar.gz, tar.zst or zip: with '--out -' the stream's format (required); with a file, the one its name ends in.")
    var format: ExportFormat?

    func validate() throws {
        guard out == ExportJob.standardOutput else { return }
        if options.json { throw ValidationError("'--out -' writes the archive to standard output, which then cannot carry --json") }
        if isatty(STDOUT_FILENO) == 1 { throw ValidationError("'--out -' would write an archive to the terminal: redirect standard output to a file or a pipe") }
        if format == nil { throw ValidationError("'--out -' has no file name to take the format from: name it with --format tar, tar.gz, tar.zst or zip") }
    }

    func run() throws {
        let job = ExportJob(home: try options.open(requiringPolicy: false))
        if out == ExportJob.standardOutput {
            let outcome = try job.stream(customer: try customer.id(), set: copy.setID, from: copy.from, format: format!)
            CopyReadNotes.print(fallback: outcome.fallback, location: outcome.location, unreadable: outcome.unreadablePaths, what: "this export")
            return FileHandle.standardError.write(Data("Exported set \(outcome.set) from \(outcome.location.rawValue) as \(outcome.format.rawValue) to standard output: \(Wording.count(outcome.bytes, "byte", "bytes"))\n".utf8))
        }
        let outcome = try job.run(customer: try customer.id(), set: copy.setID, from: copy.from, to: URL(fileURLWithPath: out), format: format)
        CopyReadNotes.print(fallback: outcome.fallback, location: outcome.location, unreadable: outcome.unreadablePaths, what: "this export")
        if options.json { return try Output.json(outcome) }
        print("Exported set \(outcome.set) from \(outcome.location.rawValue) as \(outcome.format.rawValue) into \(outcome.output): \(Wording.count(outcome.bytes, "byte", "bytes"))")
    }
}

extension ExportFormat: ExpressibleByArgument {}
