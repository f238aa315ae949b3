import ArgumentParser
import Foundation
import LetheCore
import LetheJobs

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore one customer into a new (or empty) folder, or load their rows into a database.",
        discussion: """
            Nothing is written to the target unless the whole archive authenticates and matches its manifest. \
            With --to, an archive that holds database rows restores as DIR/files/ (the folder) and DIR/rows/<table>.csv. \
            With --into-database, the rows are loaded in one transaction, parents before children, and refused \
            (nothing written) when any of their primary keys is already in the database.
            """)

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
        let home = try options.open(requiringPolicy: false)
        guard let to else { return try loadRows(home) }
        let outcome = try RestoreJob(home: home).run(customer: try customer.id(), set: copy.setID,
                                                     from: copy.from, to: URL(fileURLWithPath: to))
        CopyReadNotes.print(fallback: outcome.fallback, location: outcome.location, unreadable: outcome.unreadablePaths, what: "this restore")
        if options.json { return try Output.json(outcome) }
        print("Restored set \(outcome.set) from \(outcome.location.rawValue) into \(outcome.target): \(Wording.count(outcome.files, "file", "files")), \(Wording.count(outcome.directories, "folder", "folders")), \(Wording.count(outcome.symlinks, "symlink", "symlinks")), \(Wording.count(outcome.bytes, "byte", "bytes"))"
              + (outcome.tables.map { " (under files/), and the rows of \(Wording.count($0, "table", "tables")) (under rows/)" } ?? ""))
    }

    /// `--into-database`: the customer's rows loaded into the database.
    func loadRows(_ home: Home) throws {
        guard let url = database.url else { return }
        let outcome = try RestoreJob(home: home).loadRows(customer: try customer.id(), set: copy.setID, from: copy.from, into: url,
                                                          passwordFile: database.passwordFile, tables: database.tables)
        if options.json { return try Output.json(outcome) }
        let tables = outcome.tables.map { "\($0.name) \(Wording.count($0.rows, "row", "rows"))" }.joined(separator: ", ")
        print("Loaded the rows of set \(outcome.set) from \(outcome.location.rawValue) into \(outcome.database): \(tables.isEmpty ? "no tables" : tables)")
    }
}
