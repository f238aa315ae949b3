import Foundation
import GRDB
import LetheTestSupport
import Testing

/// A file or folder the backup cannot read (issue 12, item 6): the terminal names the customer
/// and the path, the logs and the ledger never do; `--skip-unreadable` backs up the rest, lists
/// the skipped paths in the archive's own manifest (a restore says so) and only their count in
/// the ledger.
///
/// Reading is really denied: the tests run as root, which reads anything, so `lethe` runs without
/// the capabilities that let root ignore file modes (setpriv drops CAP_DAC_OVERRIDE and
/// CAP_DAC_READ_SEARCH); every file of the fixture stays root's own, so only mode 000 stops it.
@Suite struct UnreadablePathTests {
    static let customers: [String: [String: [UInt8]]] = [
        "alice": ["docs/readme.txt": Array("hello".utf8), "docs/secret-plan.txt": Array("unreadable".utf8),
                  "private-notes/n.txt": Array("n".utf8), "z.txt": Array("z".utf8)],
        "bob": ["b.txt": Array("bob".utf8)],
    ]

    /// What runs `lethe`: as root, without the capabilities that override file modes.
    static let wrapper = getuid() == 0
        ? ["/usr/bin/setpriv", "--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search", "--"]
        : []

    /// A home whose customer alice holds an unreadable file (`docs/secret-plan.txt`) and an
    /// unreadable folder (`private-notes`).
    static func fixture() throws -> CLIFixture {
        let fixture = try CLIFixture(customers: customers)
        let alice = fixture.source.appendingPathComponent("alice")
        for path in ["docs/secret-plan.txt", "private-notes"] {
            try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: alice.appendingPathComponent(path).path)
        }
        return fixture
    }

    static func restoreModes(_ fixture: CLIFixture) {
        let alice = fixture.source.appendingPathComponent("alice")
        try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: alice.appendingPathComponent("private-notes").path)
    }

    static func lethe(_ fixture: CLIFixture, _ arguments: [String]) throws -> LetheProcess.Result {
        try LetheProcess.run(arguments + ["--home", fixture.home.path], environment: fixture.environment, wrapper: wrapper)
    }

    /// Standard error's JSON log lines (`lethe` is not on a terminal here) and its other lines.
    static func split(_ stderr: String) -> (log: [String], terminal: [String]) {
        let lines = stderr.split(separator: "\n").map(String.init)
        return (lines.filter { $0.hasPrefix("{") }, lines.filter { !$0.hasPrefix("{") })
    }

    /// Without the flag, alice fails and bob is committed (exit 2, partly done); standard error
    /// names alice and the path inside her folder, with what to do; the log lines hold only her
    /// pseudonym. The same from `nightly`; and with alice alone, nothing is committed (exit 1).
    @Test func theTerminalNamesTheCustomerAndThePathTheLogsDoNot() throws {
        let fixture = try Self.fixture()
        defer { Self.restoreModes(fixture) }
        for command in [["backup"], ["nightly"]] {
            let result = try Self.lethe(fixture, command)
            #expect(result.status == 2, "\(command): \(result.stderr)")
            let (log, terminal) = Self.split(result.stderr)
            let line = try #require(terminal.first { $0.contains("'alice'") }, "\(command): \(result.stderr)")
            #expect(line.contains("docs/secret-plan.txt") && line.contains("Permission denied"), "\(line)")
            #expect(line.contains("--skip-unreadable"), "what to do: \(line)")
            #expect(!log.isEmpty, "\(result.stderr)")
            for text in log + [result.stdout] {
                #expect(!text.contains("alice") && !text.contains("secret-plan") && !text.contains("private-notes"), "\(text)")
            }
            let failed = try #require(KeyHealthTests.events("backup.customer.failed", in: result.stderr).first)
            #expect((failed["pseudonym"] as? String)?.isEmpty == false)
            #expect((failed["error"] as? String)?.contains("Cannot read a regular file (Permission denied)") == true, "\(failed)")
        }
        let alone = try Self.lethe(fixture, ["backup", "--customer", "alice"])
        #expect(alone.status == 1, "\(alone.stderr)")
        #expect(Self.split(alone.stderr).terminal.contains { $0.contains("'alice'") && $0.contains("docs/secret-plan.txt") }, "\(alone.stderr)")

        // The unreadable folder, once the file is readable, is named the same way.
        try FileManager.default.setAttributes([.posixPermissions: 0o600],
                                              ofItemAtPath: fixture.source.appendingPathComponent("alice/docs/secret-plan.txt").path)
        let folder = try Self.lethe(fixture, ["backup", "--customer", "alice"])
        #expect(folder.status == 1, "\(folder.stderr)")
        #expect(Self.split(folder.stderr).terminal.contains { $0.contains("'alice'") && $0.contains("'private-notes'") && $0.contains("folder") },
                "\(folder.stderr)")
    }

    /// With `--skip-unreadable` the backup commits (exit 0); the restore holds everything but the
    /// two paths and says, from the archive's manifest, which were skipped; the ledger's
    /// `copy.written` holds only their count, and no path is anywhere in the catalog's files.
    @Test func skipUnreadableCommitsTheRestAndRecordsThePathsOnlyInTheArchive() throws {
        let fixture = try Self.fixture()
        defer { Self.restoreModes(fixture) }
        let backup = try Self.lethe(fixture, ["backup", "--skip-unreadable"])
        #expect(backup.status == 0, "\(backup.stdout) \(backup.stderr)")
        let (log, terminal) = Self.split(backup.stderr)
        #expect(terminal.contains { $0.contains("'alice'") && $0.contains("docs/secret-plan.txt") && $0.contains("private-notes") },
                "\(backup.stderr)")
        for line in log { #expect(!line.contains("alice") && !line.contains("secret-plan") && !line.contains("private-notes"), "\(line)") }
        let skipped = KeyHealthTests.events("backup.skipped_entry", in: backup.stderr).compactMap { $0["reason"] as? String }
        #expect(skipped.contains { $0.hasPrefix("2 unreadable paths skipped") }, "\(skipped)")

        let target = fixture.root.url.appendingPathComponent("restored")
        let restore = try fixture.lethe(["restore", "--customer", "alice", "--to", target.path])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(restore.stderr.contains("2 unreadable paths were skipped at backup: docs/secret-plan.txt, private-notes"), "\(restore.stderr)")
        let restored = try FileManager.default.subpathsOfDirectory(atPath: target.path).sorted()
        #expect(restored == ["docs", "docs/readme.txt", "z.txt"], "\(restored)")
        #expect(FileManager.default.contents(atPath: target.appendingPathComponent("docs/readme.txt").path) == Data("hello".utf8))
        let json = try fixture.lethe(["restore", "--customer", "alice", "--json", "--to", fixture.root.url.appendingPathComponent("r2").path])
        let outcome = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json.stderr)")
        #expect(outcome["unreadable_skipped"] as? Int == 2, "\(outcome)")

        let exported = fixture.root.url.appendingPathComponent("alice.tar")
        let export = try fixture.lethe(["export", "--customer", "alice", "--out", exported.path])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stderr.contains("2 unreadable paths were skipped at backup: docs/secret-plan.txt, private-notes"), "\(export.stderr)")

        // The ledger: the count on alice's copy.written, bob's without one; no path in any file of the catalog.
        let catalog = fixture.home.appendingPathComponent("catalog.sqlite")
        let written = try DatabaseQueue(path: catalog.path).read { db in
            try String.fetchAll(db, sql: "SELECT details FROM ledger WHERE kind = 'copy.written'")
        }
        #expect(written.count == 2)
        #expect(written.filter { $0.contains("\"unreadable_skipped\":\"2\"") }.count == 1, "\(written)")
        let files = try FileManager.default.contentsOfDirectory(atPath: fixture.home.path).filter { $0.hasPrefix("catalog.sqlite") }
        for file in files {
            let bytes = try Data(contentsOf: fixture.home.appendingPathComponent(file))
            for path in ["secret-plan", "private-notes"] { #expect(bytes.range(of: Data(path.utf8)) == nil, "\(path) in \(file)") }
        }
    }

    /// `nightly` skips them with the flag, and with `"skip_unreadable": true` in lethe.json.
    @Test func nightlySkipsWithTheFlagOrTheSetting() throws {
        let fixture = try Self.fixture()
        defer { Self.restoreModes(fixture) }
        fixture.environment["LETHE_NOW"] = "2026-11-01T02:00:00Z"
        let flagged = try Self.lethe(fixture, ["nightly", "--skip-unreadable"])
        #expect(flagged.status == 0, "\(flagged.stderr)")

        let url = fixture.home.appendingPathComponent("lethe.json")
        var configuration = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        configuration["skip_unreadable"] = true
        try JSONSerialization.data(withJSONObject: configuration).write(to: url)
        fixture.environment["LETHE_NOW"] = "2026-11-02T02:00:00Z"
        let configured = try Self.lethe(fixture, ["nightly"])
        #expect(configured.status == 0, "\(configured.stderr)")
        #expect(Self.split(configured.stderr).terminal.contains { $0.contains("'alice'") && $0.contains("docs/secret-plan.txt") },
                "\(configured.stderr)")
    }
}
