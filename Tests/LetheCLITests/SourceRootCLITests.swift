import Foundation
import LetheTestSupport
import Testing

/// "Customers are folders, once each", through the real binary: a folder reachable under two
/// names of the source root is refused under both, dot-folders are never customers, and
/// nothing is restored or exported into the source root.
@Suite struct SourceRootCLITests {
    static let customers: [String: [String: [UInt8]]] = [
        "globex": ["plans.txt": Array("globex secret plans".utf8)],
        "initech": ["tps.txt": Array("initech report".utf8)],
    ]

    /// The outcome of `backup --json` or `nightly --json`: each customer's status, by pseudonym or "-".
    static func statuses(_ stdout: String, nightly: Bool = false) throws -> [String] {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
        let backup = nightly ? try #require(json["backup"] as? [String: Any]) : json
        return (backup["customers"] as? [[String: Any]] ?? []).compactMap { $0["status"] as? String }.sorted()
    }

    /// Standard error's JSON log lines (the terminal message lines are the others).
    static func logLines(_ stderr: String) -> [Substring] {
        stderr.split(separator: "\n").filter { $0.hasPrefix("{") }
    }

    /// `ln -s $SRC/globex $SRC/globex-alias; lethe nightly` backs up neither name, says which
    /// names alias each other on the terminal, pseudonyms only in the logs; the other customer
    /// is committed; the alias never holds a copy a shred of globex would miss.
    @Test func aSymlinkAliasIsRefusedUnderBothNames() throws {
        let fixture = try CLIFixture(customers: Self.customers)
        // Globex backed up once before the alias appeared: it has a pseudonym, which the logs name.
        try fixture.succeed(["backup", "--customer", "globex"])
        let globexPseudonym = try #require(try fixture.copies(customer: "globex").first?["pseudonym"] as? String)
        try FileManager.default.createSymbolicLink(atPath: fixture.source.appendingPathComponent("globex-alias").path,
                                                   withDestinationPath: fixture.source.appendingPathComponent("globex").path)
        fixture.environment["LETHE_NOW"] = "2026-11-02T00:00:00Z"

        let nightly = try fixture.lethe(["nightly", "--json"])
        #expect(nightly.status == 2, "nightly exited \(nightly.status): \(nightly.stderr)")
        #expect(try Self.statuses(nightly.stdout, nightly: true) == ["committed", "failed", "failed"])
        #expect(!nightly.stdout.contains("globex"))
        let message = nightly.stderr.split(separator: "\n").filter { !$0.hasPrefix("{") }
        #expect(message.contains { $0.contains("'globex'") && $0.contains("'globex-alias'") && $0.contains("remove") },
                "stderr: \(nightly.stderr)")
        let logs = Self.logLines(nightly.stderr)
        #expect(!logs.isEmpty)
        #expect(logs.allSatisfy { !$0.contains("globex") })
        #expect(logs.contains { $0.contains("\"backup.customer.aliased\"") && $0.contains(globexPseudonym) })

        // This night wrote initech only; the alias has no copy at all.
        let live = try fixture.copies().filter { $0["state"] as? String == "live" }
        #expect(live.filter { $0["pseudonym"] as? String == globexPseudonym }.count == 1) // the first night's
        #expect(live.count == 2) // globex (night one), initech (night two)
        #expect(try fixture.lethe(["list", "archives", "--customer", "globex-alias"]).status == 5) // never backed up

        // Naming one of the two still refuses it: the alias is found against the whole root.
        fixture.environment["LETHE_NOW"] = "2026-11-03T00:00:00Z"
        let one = try fixture.lethe(["backup", "--customer", "globex", "--customer", "initech", "--json"])
        #expect(one.status == 2, "backup exited \(one.status): \(one.stderr)")
        #expect(try Self.statuses(one.stdout) == ["committed", "failed"])
        #expect(one.stderr.contains("'globex-alias'"))
        let alone = try fixture.lethe(["backup", "--customer", "globex-alias"])
        #expect(alone.status == 1) // no customer committed
        #expect(alone.stderr.contains("'globex'"))

        // Shredding globex leaves nothing of globex readable: the alias never had a copy.
        try fixture.succeed(["shred", "--customer", "globex", "--request", "GDPR-9", "--yes"])
        let restore = try fixture.lethe(["restore", "--customer", "globex-alias", "--to", fixture.root.url.appendingPathComponent("r").path])
        #expect(restore.status == 5)
        #expect(!FileManager.default.fileExists(atPath: fixture.root.url.appendingPathComponent("r").path))

        // Removing one name ends the refusal.
        try FileManager.default.removeItem(at: fixture.source.appendingPathComponent("globex-alias"))
        fixture.environment["LETHE_NOW"] = "2026-11-04T00:00:00Z"
        let after = try fixture.lethe(["backup", "--customer", "initech"])
        #expect(after.status == 0, "backup exited \(after.status): \(after.stderr)")
    }

    /// A symlink to a folder outside the root (another disk) is a customer, backed up once;
    /// two symlinks to one outside folder are refused under both names.
    @Test func aSymlinkToAnOutsideFolderIsOneCustomer() throws {
        let fixture = try CLIFixture(customers: Self.customers)
        let disk = fixture.root.url.appendingPathComponent("disk2/hooli")
        try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
        try Data("hooli data".utf8).write(to: disk.appendingPathComponent("h.txt"))
        try FileManager.default.createSymbolicLink(atPath: fixture.source.appendingPathComponent("hooli").path, withDestinationPath: disk.path)

        let backup = try fixture.lethe(["backup", "--json"])
        #expect(backup.status == 0, "backup exited \(backup.status): \(backup.stderr)")
        #expect(try Self.statuses(backup.stdout) == ["committed", "committed", "committed"])
        #expect(try fixture.copies(customer: "hooli").count == 1)
        let target = fixture.root.url.appendingPathComponent("restored-hooli")
        try fixture.succeed(["restore", "--customer", "hooli", "--to", target.path])
        #expect(try Data(contentsOf: target.appendingPathComponent("h.txt")) == Data("hooli data".utf8))

        try FileManager.default.createSymbolicLink(atPath: fixture.source.appendingPathComponent("hooli-2").path, withDestinationPath: disk.path)
        fixture.environment["LETHE_NOW"] = "2026-11-02T00:00:00Z"
        let twice = try fixture.lethe(["backup", "--json"])
        #expect(twice.status == 2, "backup exited \(twice.status): \(twice.stderr)")
        #expect(try Self.statuses(twice.stdout) == ["committed", "committed", "failed", "failed"])
        #expect(twice.stderr.contains("'hooli'") && twice.stderr.contains("'hooli-2'"))
        #expect(try fixture.copies(customer: "hooli").count == 1)
        #expect(try fixture.lethe(["list", "archives", "--customer", "hooli-2"]).status == 5) // never backed up
    }

    /// `backup --customer globex --customer globex` names one folder twice: it is backed up
    /// once, so the set holds one copy of globex (and counts one customer).
    @Test func aCustomerNamedTwiceIsBackedUpOnce() throws {
        let fixture = try CLIFixture(customers: Self.customers)
        let backup = try fixture.lethe(["backup", "--customer", "globex", "--customer", "initech", "--customer", "globex", "--json"])
        #expect(backup.status == 0, "backup exited \(backup.status): \(backup.stderr)")
        #expect(try Self.statuses(backup.stdout) == ["committed", "committed"])
        let globex = try fixture.copies(customer: "globex")
        #expect(globex.count == 1, "copies of globex: \(globex)")
        #expect(try fixture.copies().count == 2)
        let sets = try #require(try JSONSerialization.jsonObject(with: Data(try fixture.succeed(["list", "sets", "--json"]).utf8)) as? [[String: Any]])
        #expect(sets.count == 1)
        #expect(sets.first?["customers"] as? Int == 2)
    }

    /// `.hidden`, `.snapshot` and `lost+found` are never customers: skipped, reported in one
    /// log line that counts them and names none; naming one with `--customer` is a usage error.
    @Test func dotFoldersAndLostFoundAreSkippedWithOneReport() throws {
        let fixture = try CLIFixture(customers: ["acme": ["a.txt": Array("acme".utf8)],
                                                 ".hidden": ["h.txt": Array("hidden".utf8)],
                                                 ".snapshot": ["s.txt": Array("snap".utf8)],
                                                 "lost+found": ["#1234": Array("orphan".utf8)]])
        try Data("not a folder".utf8).write(to: fixture.source.appendingPathComponent(".profile"))
        let backup = try fixture.lethe(["backup", "--json"])
        #expect(backup.status == 0, "backup exited \(backup.status): \(backup.stderr)")
        #expect(try Self.statuses(backup.stdout) == ["committed"])
        #expect(try fixture.copies().count == 1)
        let reports = Self.logLines(backup.stderr).filter { $0.contains("source.skipped") }
        #expect(reports.count == 1)
        #expect(reports.first?.contains("\"skipped\":\"3\"") == true, "stderr: \(backup.stderr)")
        // No name in any line: "lost+found" appears once, in the rule the report states.
        #expect(!backup.stderr.contains(".hidden") && !backup.stderr.contains(".snapshot"))
        #expect(backup.stderr.components(separatedBy: "lost+found").count == 2)

        let named = try fixture.lethe(["backup", "--customer", ".hidden"])
        #expect(named.status == 64)
        #expect(named.stderr.contains("never a customer"))
        let lostFound = try fixture.lethe(["backup", "--customer", "lost+found"])
        #expect(lostFound.status == 64)
        #expect(try fixture.copies().count == 1)
    }

    /// `restore --to` and `export --out` inside the source root (directly, inside a customer's
    /// folder, or through a symlink to the root) are usage errors that write nothing.
    @Test func restoreAndExportIntoTheSourceRootAreRefused() throws {
        let fixture = try CLIFixture(customers: Self.customers)
        try fixture.succeed(["backup"])
        let link = fixture.root.url.appendingPathComponent("source-link")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: fixture.source.path)
        let before = try FileManager.default.contentsOfDirectory(atPath: fixture.source.path).sorted()

        for target in [fixture.source.appendingPathComponent("globex-restored"),
                       fixture.source.appendingPathComponent("initech/new/globex"),
                       link.appendingPathComponent("globex-restored"),
                       fixture.source] {
            let restore = try fixture.lethe(["restore", "--customer", "globex", "--to", target.path])
            #expect(restore.status == 64, "restore to \(target.path) exited \(restore.status): \(restore.stderr)")
            #expect(restore.stderr.contains("inside the source root"))
        }
        for output in [fixture.source.appendingPathComponent("globex.tar"),
                       fixture.source.appendingPathComponent("initech/globex.tar"),
                       link.appendingPathComponent("globex.tar")] {
            let export = try fixture.lethe(["export", "--customer", "globex", "--out", output.path])
            #expect(export.status == 64, "export to \(output.path) exited \(export.status): \(export.stderr)")
            #expect(export.stderr.contains("inside the source root"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.source.path).sorted() == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.source.appendingPathComponent("initech").path) == ["tps.txt"])

        // Beside the source root is fine.
        try fixture.succeed(["restore", "--customer", "globex", "--to", fixture.root.url.appendingPathComponent("source-restored").path])
        try fixture.succeed(["export", "--customer", "globex", "--out", fixture.root.url.appendingPathComponent("source.tar").path])
    }
}
