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
    var to: String?

    @OptionGroup var database: RestoreDatabaseOptions

    func validate() throws {
        switch (to, database.url) {
        case (nil, nil): throw ValidationError("say where to restore: --to DIR (a folder) or --into-database URL (the customer's rows)")
        case (_?, _?): throw ValidationError("--to and --into-database exclude each other: restore into a folder or load rows into a database")
        default: break
        }
    }

    func run() throws {
        guard let to else {
            // Parsed and validated; loading the archive's rows (RowsLoader) is wired once archives hold rows.
            throw ValidationError("--into-database is not available yet: this lethe does not write rows into archives")
        }
        let home = try options.open(requiringPolicy: false)
        let outcome = try RestoreJob(home: home).run(customer: try customer.id(), set: copy.setID,
                                                     from: copy.from, to: URL(fileURLWithPath: to))
        CopyReadNotes.print(fallback: outcome.fallback, location: outcome.location, unreadable: outcome.unreadablePaths, what: "this restore")
        if options.json { return try Output.json(outcome) }
        print("Restored set \(outcome.set) from \(outcome.location.rawValue) into \(outcome.target): \(Wording.count(outcome.files, "file", "files")), \(Wording.count(outcome.directories, "folder", "folders")), \(Wording.count(outcome.symlinks, "symlink", "symlinks")), \(Wording.count(outcome.bytes, "byte", "bytes"))"
              + (outcome.tables.map { " (under files/), and the rows of \(Wording.count($0, "table", "tables")) (under rows/)" } ?? ""))
    }
}

