import Foundation
import LetheTestSupport
import Testing

/// `lethe restore`'s database options through the real binary: where to restore is said exactly
/// once (`--to` or `--into-database`), and the options that only make sense with a database are
/// refused without one; each is a usage error (64) that names the options. Parsing happens
/// before the home is opened, so no home is needed.
@Suite struct RestoreIntoDatabaseCLITests {
    @Test(arguments: [
        (["--customer", "alice"], "--to DIR (a folder) or --into-database URL"),
        (["--customer", "alice", "--to", "out", "--into-database", "postgresql://app@db.example/crm"], "--to and --into-database exclude each other"),
        (["--customer", "alice", "--to", "out", "--table", "pages"], "--table needs --into-database"),
        (["--customer", "alice", "--to", "out", "--database-password-file", "pw"], "--database-password-file needs --into-database"),
    ])
    func whereToRestoreIsSaidOnceAndDatabaseOptionsNeedADatabase(_ arguments: [String], _ message: String) throws {
        let result = try LetheProcess.run(["restore", "--home", "/nonexistent/lethe-home"] + arguments)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}
