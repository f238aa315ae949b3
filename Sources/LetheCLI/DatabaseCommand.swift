import ArgumentParser
import Foundation
import LetheJobs

struct DatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "database", abstract: "Work with the PostgreSQL source's database map.",
                                                    subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate a database map; with --database-url, prove it against the database.",
            discussion: """
                Without a URL the map's syntax is checked (file:line problems, exit 64). With one, every table must \
                exist and every condition compile (exit 64 with the line), and tables that reference a mapped table \
                by foreign key but are not in the map are warned about. An unreachable database exits 1.
                """)

        @Argument(help: "The database map (YAML).")
        var file: String

        @OptionGroup var database: DatabaseConnectionOptions

        @Flag(name: .long, help: "Print machine-readable JSON.")
        var json = false

        func run() throws {
            let summary = try DatabaseCheck.check(path: file, databaseURL: database.url, passwordFile: database.passwordFile)
            if json {
                try Output.json(summary)
                return
            }
            let against = summary.database.map { "checked against \($0)" } ?? "syntax only: pass --database-url to check it against the database"
            print("\(summary.file): ok (\(summary.tables.count) table\(summary.tables.count == 1 ? "" : "s")"
                  + "\(summary.customersQuery ? ", a customers query" : ""); \(against))")
            for warning in summary.warnings {
                FileHandle.standardError.write(Data("lethe: warning: \(summary.file): \(warning.message)\n".utf8))
            }
        }
    }
}

/// `--database-url` and `--database-password-file`: where the PostgreSQL source is. The URL holds
/// no password; libpq reads PGPASSWORD and ~/.pgpass itself, or the file gives it.
struct DatabaseConnectionOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "postgresql://USER@HOST:PORT/DATABASE (no password: use PGPASSWORD, ~/.pgpass or --database-password-file).")
    var url: String?

    @Option(name: .customLong("database-password-file"), help: "A file holding the database password on one line.")
    var passwordFile: String?

    func validate() throws {
        if passwordFile != nil && url == nil { throw ValidationError("--database-password-file needs --database-url") }
    }
}
