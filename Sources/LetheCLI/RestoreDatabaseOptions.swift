import ArgumentParser

/// `--into-database`, `--database-password-file` and `--table`: a customer's rows loaded back into
/// PostgreSQL (one transaction, refused when any row's primary key is already there) instead of a
/// restore into a folder. The URL holds no password; libpq reads PGPASSWORD and ~/.pgpass itself,
/// or the file gives it.
struct RestoreDatabaseOptions: ParsableArguments {
    @Option(name: .customLong("into-database"),
            help: "Load the customer's rows into this database instead of restoring to a folder: postgresql://USER@HOST:PORT/DATABASE (no password: use PGPASSWORD, ~/.pgpass or --database-password-file).")
    var url: String?

    @Option(name: .customLong("database-password-file"), help: "With --into-database: a file holding the database password on one line.")
    var passwordFile: String?

    @Option(name: .customLong("table"), help: "With --into-database: load only this table's rows (repeat for more; default: every table the archive holds).")
    var tables: [String] = []

    func validate() throws {
        guard url == nil else { return }
        if passwordFile != nil { throw ValidationError("--database-password-file needs --into-database") }
        if !tables.isEmpty { throw ValidationError("--table needs --into-database") }
    }
}
