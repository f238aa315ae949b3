import Foundation
import LetheTestSupport
import Testing

/// `lethe report` through the real binary: formats, --out, the ledger event, exit codes.
@Suite struct ReportCommandTests {
    /// Sets on 1, 2 and 3 November 2026 for two customers; the clock at 10 November 05:00, when
    /// the daily set's two copies are five hours overdue (no expire run yet).
    static func overdueHome() throws -> CLIFixture {
        let fixture = try CLIFixture(customers: ["alice-0042": ["a.txt": Array("alice".utf8)], "bob-0043": ["b.txt": Array("bob".utf8)]])
        for day in ["01", "02", "03"] {
            fixture.environment["LETHE_NOW"] = "2026-11-\(day)T02:00:00Z"
            try fixture.succeed(["backup"])
        }
        fixture.environment["LETHE_NOW"] = "2026-11-10T05:00:00Z"
        try fixture.succeed(["verify"])  // so the verdict is about the overdue copies alone
        return fixture
    }

    @Test func overdueCopiesAreReportedWithExitZeroInEveryFormat() throws {
        let fixture = try Self.overdueHome()
        let html = try fixture.lethe(["report"])
        #expect(html.status == 0, "\(html.stderr)")
        #expect(html.stdout.hasPrefix("<!DOCTYPE html>") && html.stdout.contains("<p class=\"headline\">2 copies overdue</p>"))

        let csv = try fixture.succeed(["report", "--format", "csv"])
        let rows = csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(rows.count == 7 && rows.filter { $0.contains(",overdue,") }.count == 2)
        #expect(rows.filter { $0.contains(",overdue,") }.allSatisfy { $0.hasSuffix(",0.20,,") })

        let json = try fixture.succeed(["report", "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect((object["summary"] as? [String: Any])?["overdue_copies"] as? Int == 2)
        for output in [html.stdout, csv, json] {
            #expect(!output.contains("alice") && !output.contains("bob-0043"))
        }

        // Each run is in the ledger; `list` agrees on what is overdue.
        let archives = try fixture.copies()
        #expect(archives.filter { $0["state"] as? String == "overdue" }.count == 2)
        #expect(try ledgerKinds(fixture).filter { $0 == "report.generated" }.count == 3)
        #expect(try fixture.succeed(["verify", "--ledger"]).hasPrefix("ledger intact"))
    }

    @Test func outWritesTheFileAndReplacesIt() throws {
        let fixture = try Self.overdueHome()
        let out = fixture.root.url.appendingPathComponent("audit/report.csv")
        try FileManager.default.createDirectory(at: out.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("old".utf8).write(to: out)
        let result = try fixture.lethe(["report", "--format", "csv", "--out", out.path])
        #expect(result.status == 0 && result.stdout.isEmpty, "\(result.stderr)")
        #expect(try String(contentsOf: out, encoding: .utf8).hasPrefix("pseudonym,set,class,"))
        // The report and its signature, nothing else (no temporary file left).
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.deletingLastPathComponent().path).sorted() == ["report.csv", "report.csv.minisig"])
        #expect(try fixture.lethe(["report", "--format", "pdf"]).status == 64)
    }

    @Test func aBrokenLedgerExitsThreeAndTheReportIsStillWritten() throws {
        let fixture = try Self.overdueHome()
        try python(fixture, """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("DELETE FROM ledger WHERE seq = 3")
            db.commit()
            """)
        let out = fixture.root.url.appendingPathComponent("report.html")
        let result = try fixture.lethe(["report", "--out", out.path])
        #expect(result.status == 3)
        #expect(result.stderr.contains("the ledger is broken at event 3"), "\(result.stderr)")
        let html = try String(contentsOf: out, encoding: .utf8)
        #expect(html.contains("Ledger BROKEN at event 3"))
        let json = try fixture.lethe(["report", "--format", "json"])
        #expect(json.status == 3)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["ledger"] as? [String: Any])?["intact"] as? Bool == false)
    }

    /// An event the report reads whose details are not what its kind records (a count that is
    /// no number, written behind Lethe's back) is an integrity failure, not a zero.
    @Test func anEventWhoseDetailsDoNotDecodeExitsThree() throws {
        let fixture = try Self.overdueHome()
        try fixture.succeed(["shred", "--customer", "alice-0042", "--request", "R-1", "--yes"])
        try python(fixture, """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("UPDATE ledger SET details = json_set(details, '$.copies', 'many') WHERE kind = 'customer.shredded'")
            db.commit()
            """)
        let result = try fixture.lethe(["report", "--format", "json"])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("(customer.shredded) does not hold what Lethe records for its kind: its 'copies' is not one Lethe writes"),
                "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    func python(_ fixture: CLIFixture, _ script: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, fixture.home.appendingPathComponent("catalog.sqlite").path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw FixtureError("python3 could not edit the ledger") }
    }

    func ledgerKinds(_ fixture: CLIFixture) throws -> [String] {
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sqlite3, sys; [print(k) for (k,) in sqlite3.connect(sys.argv[1]).execute('SELECT kind FROM ledger ORDER BY seq')]",
                             fixture.home.appendingPathComponent("catalog.sqlite").path]
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw FixtureError("python3 could not read the ledger") }
        return text.split(separator: "\n").map(String.init)
    }
}
