import Foundation
import LetheTestSupport
import Testing

/// What an operator reads in the first week (issue 12, "Text"), through the real binary.
@Suite struct OperatorTextTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Writes `text` as a policy file in `folder` and returns its path.
    static func policy(_ text: String, in folder: URL, name: String = "p.yaml") throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @Test func versionPrintsOneVersionLine() throws {
        let result = try LetheProcess.run(["--version"])
        #expect(result.status == 0, "\(result.stderr)")
        let line = result.stdout.trimmingCharacters(in: .newlines)
        #expect(line.split(separator: ".").count == 3 && line.split(separator: ".").allSatisfy { Int($0) != nil }, "\(line)")
        // Defined once, in Sources/LetheCLI/LetheVersion.swift, and named in the README.
        let source = try String(contentsOf: Self.packageRoot.appendingPathComponent("Sources/LetheCLI/LetheVersion.swift"), encoding: .utf8)
        #expect(source.contains("\"\(line)\""))
        let readme = try String(contentsOf: Self.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("lethe --version") && readme.contains("Sources/LetheCLI/LetheVersion.swift"))
    }

    /// `UTC` is shown as UTC (not GMT), a zone as written; `CET` is refused with a real IANA
    /// zone suggested, not GMT.
    @Test func policyCheckNamesZonesAsWrittenAndSuggestsRealOnes() throws {
        let folder = try TemporaryDirectory()
        let utc = try Self.policy("name: u\ntimezone: UTC\nmax_age: 30d\nlocal: { daily: 7d }\n", in: folder.url, name: "u.yaml")
        let checked = try LetheProcess.run(["policy", "check", utc])
        #expect(checked.status == 0, "\(checked.stderr)")
        #expect(checked.stdout.hasPrefix("\(utc): ok (policy 'u', time zone UTC)\n"), "\(checked.stdout)")
        let paris = try Self.policy("name: p\ntimezone: Europe/Paris\nmax_age: 30d\nlocal: { daily: 7d }\n", in: folder.url, name: "e.yaml")
        #expect(try LetheProcess.run(["policy", "check", paris]).stdout.contains("time zone Europe/Paris)"))

        let cet = try Self.policy("name: c\ntimezone: CET\nmax_age: 30d\nlocal: { daily: 7d }\n", in: folder.url, name: "c.yaml")
        let refused = try LetheProcess.run(["policy", "check", cet])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("did you mean 'Europe/Paris'?"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("GMT"))
    }

    /// `policy check` on a folder says it is a folder, not a Foundation error number.
    @Test func policyCheckOnAFolderSaysItIsAFolder() throws {
        let folder = try TemporaryDirectory()
        let refused = try LetheProcess.run(["policy", "check", folder.url.path])
        #expect(refused.status == 64, "\(refused.stderr)")
        #expect(refused.stderr.contains("\(folder.url.path)"), "\(refused.stderr)")
        #expect(refused.stderr.contains("is a folder, not a policy file"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("NSCocoaErrorDomain"), "\(refused.stderr)")
    }

    /// The command `policies/example.yaml` shows works as written.
    @Test func exampleShowsACommandThatWorks() throws {
        let example = Self.packageRoot.appendingPathComponent("policies/example.yaml")
        let text = try String(contentsOf: example, encoding: .utf8)
        let marker = "lethe "
        let line = try #require(text.split(separator: "\n").first { $0.contains(marker + "policy check") })
        let command = line[line.range(of: marker)!.upperBound...].split(separator: " ").map(String.init)
        #expect(command.last == "policies/example.yaml")
        let arguments = command.map { $0 == "policies/example.yaml" ? example.path : $0 }
        let result = try LetheProcess.run(arguments)
        #expect(result.status == 0, "lethe \(command.joined(separator: " ")): \(result.stderr)")
        #expect(result.stdout.contains("ok (policy 'example-amsterdam', time zone Europe/Amsterdam)"))
    }

    /// A date that does not exist is refused (exit 64) with the variable named, not moved to March.
    @Test func impossibleLetheNowIsRefused() throws {
        let fixture = try CLIFixture(customers: ["alice": ["a.txt": Array("a".utf8)]])
        fixture.environment["LETHE_NOW"] = "2026-02-30T02:00:00Z"
        let result = try fixture.lethe(["backup"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("LETHE_NOW is '2026-02-30T02:00:00Z'"), "\(result.stderr)")
        fixture.environment["LETHE_NOW"] = "2026-02-30"
        #expect(try fixture.lethe(["list", "sets"]).status == 64)
        fixture.environment["LETHE_NOW"] = "2026-11-01T24:30:00Z"
        #expect(try fixture.lethe(["list", "sets"]).status == 64)
        fixture.environment["LETHE_NOW"] = "2028-02-29T00:00:00+01:00"
        #expect(try fixture.lethe(["list", "sets"]).status == 0)
    }

    /// `report --out` into a folder that does not exist says so (exit 1, as for `export`), and
    /// names no temporary file.
    @Test func reportIntoAMissingFolderSaysSo() throws {
        let fixture = try CLIFixture(customers: ["alice": ["a.txt": Array("a".utf8)]])
        let missing = fixture.root.url.appendingPathComponent("no-such-folder")
        let result = try fixture.lethe(["report", "--out", missing.appendingPathComponent("report.html").path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("the folder \(missing.path) does not exist"), "\(result.stderr)")
        #expect(!result.stderr.contains(".tmp"))
    }

    /// Counts read as English: one copy, one key, epoch 1 (the issue saw "1 copies" and
    /// "old epochs 2 destroyed").
    @Test func countsAreSingularForOne() throws {
        let fixture = try CLIFixture(customers: ["alice": ["a.txt": Array("a".utf8)], "bob": ["b.txt": Array("b".utf8)]])
        let backup = try fixture.succeed(["backup", "--customer", "alice"])
        #expect(backup.contains("1 of 1 customer committed, "), "\(backup)")
        let restore = try fixture.succeed(["restore", "--customer", "alice", "--to", fixture.root.url.appendingPathComponent("r").path])
        #expect(restore.contains(": 1 file, ") && restore.hasSuffix(", 1 byte\n"), "\(restore)")
        let verify = try fixture.succeed(["verify", "--copies"])
        #expect(verify.contains("1 of 1 copy read back whole and authentic"), "\(verify)")
        let structure = try fixture.succeed(["verify"])
        #expect(structure.contains("(1 copy), and every stored object is catalogued (1 object); 1 catalogued copy in all"), "\(structure)")
        let rotate = try fixture.succeed(["keys", "rotate"])
        #expect(rotate.contains("old epoch 1 destroyed"), "\(rotate)")
        let shred = try fixture.succeed(["shred", "--customer", "alice", "--request", "R-1", "--yes"])
        #expect(shred.contains("local: 1 copy, "), "\(shred)")
        #expect(shred.contains("old epoch 2 destroyed in 1 of 1 key directory"), "\(shred)")
        for output in [backup, restore, verify, structure, rotate, shred] {
            for wrong in ["1 copies", "1 customers", "1 keys", "1 files", "1 folders", "1 bytes", "epochs 1 ", "epochs 2 ",
                          "1 key directories", "1 events", "1 stored objects"] {
                #expect(!output.contains(wrong), "\(wrong) in \(output)")
            }
        }
    }

    /// A set is called one thing everywhere: `set` for its id and `failed` for the customers not
    /// backed up, in `list sets`, the report and the logs (the issue saw `set`/`failures` in one,
    /// `id`/`failures` in the other and `failed` in the logs).
    @Test func listSetsTheReportAndTheLogsShareOneVocabulary() throws {
        let fixture = try CLIFixture(customers: ["alice": ["a.txt": Array("a".utf8)]])
        let backup = try fixture.lethe(["backup"])
        #expect(backup.status == 0, "\(backup.stderr)")
        let finished = try #require(KeyHealthTests.events("backup.finished", in: backup.stderr).first, "\(backup.stderr)")
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(fixture.succeed(["list", "sets", "--json"]).utf8)) as? [[String: Any]])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(fixture.succeed(["report", "--format", "json"]).utf8)) as? [String: Any])
        let reported = try #require(report["sets"] as? [[String: Any]])
        for (name, row) in [("list sets", listed.first), ("report", reported.first), ("log", finished)] {
            let row = try #require(row, "\(name) shows no set")
            #expect(row["set"] as? String != nil, "\(name): \(row)")
            #expect(row["failed"] != nil, "\(name): \(row)")
            #expect(row["failures"] == nil && row["id"] == nil, "\(name): \(row)")
        }
        let text = try fixture.succeed(["list", "sets"])
        #expect(text.hasPrefix("SET ") && text.contains(" FAILED "), "\(text)")
    }

    /// Skipped symbolic links are counted in words and explained: what was skipped, why, and how
    /// to include it (the issue saw "skipped symbolic link: its target is absolute (1)").
    @Test func skippedSymbolicLinksSayWhatWhyAndHowToIncludeThem() throws {
        let fixture = try CLIFixture(customers: ["alice": ["a.txt": Array("a".utf8)], "bob": ["b.txt": Array("b".utf8)]]) { source in
            let alice = source.appendingPathComponent("alice"), bob = source.appendingPathComponent("bob")
            try FileManager.default.createDirectory(at: alice, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: bob, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: alice.appendingPathComponent("etc").path, withDestinationPath: "/etc/hostname")
            for name in ["one", "two"] {
                try FileManager.default.createSymbolicLink(atPath: bob.appendingPathComponent(name).path, withDestinationPath: "/etc/" + name)
            }
        }
        let backup = try fixture.lethe(["backup", "--json"])
        #expect(backup.status == 0, "\(backup.stderr)")
        let outcome = try #require(try JSONSerialization.jsonObject(with: Data(backup.stdout.utf8)) as? [String: Any])
        let warnings = ((outcome["customers"] as? [[String: Any]]) ?? []).flatMap { $0["warnings"] as? [String] ?? [] }
        #expect(warnings.count == 2, "\(warnings)")
        let one = try #require(warnings.first { $0.hasPrefix("1 symbolic link ") }, "\(warnings)")
        let two = try #require(warnings.first { $0.hasPrefix("2 symbolic links ") }, "\(warnings)")
        for warning in [one, two] {
            #expect(!warning.contains("(1)") && !warning.contains("(2)"), "\(warning)")
            #expect(warning.contains("absolute"), "why: \(warning)")
            #expect(warning.contains("relative link"), "how to include it: \(warning)")
        }
        #expect(one.contains(" its target ") && two.contains(" their targets "), "\(one) / \(two)")
        let logged = KeyHealthTests.events("backup.skipped_entry", in: backup.stderr).compactMap { $0["reason"] as? String }
        #expect(Set(logged) == Set(warnings), "\(backup.stderr)")
    }
}
