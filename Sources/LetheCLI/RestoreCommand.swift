import ArgumentParser
import Foundation
import LetheCore
import LetheJobs

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore one customer into a new (or empty) folder.",
        discussion: "Nothing is written to the target unless the whole archive authenticates and matches its manifest.")

    @OptionGroup var options: HomeOptions
    @OptionGroup var customer: CustomerOption

    @OptionGroup var copy: CopyOption

    @Option(help: "The folder to restore into; it must not exist or be empty.")
    var to: String

    func run() throws {
        let home = try options.open(requiringPolicy: false)
        let outcome = try RestoreJob(home: home).run(customer: try customer.id(), set: copy.setID,
                                                     from: copy.from, to: URL(fileURLWithPath: to))
        CopyReadNotes.print(fallback: outcome.fallback, location: outcome.location, unreadable: outcome.unreadablePaths, what: "this restore")
        if options.json { return try Output.json(outcome) }
        print("Restored set \(outcome.set) from \(outcome.location.rawValue) into \(outcome.target): \(Wording.count(outcome.files, "file", "files")), \(Wording.count(outcome.directories, "folder", "folders")), \(Wording.count(outcome.symlinks, "symlink", "symlinks")), \(Wording.count(outcome.bytes, "byte", "bytes"))"
              + (outcome.tables.map { " (under files/), and the rows of \(Wording.count($0, "table", "tables")) (under rows/)" } ?? ""))
    }
}

