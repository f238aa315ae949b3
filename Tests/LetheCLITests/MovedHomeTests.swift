import Foundation
import LetheTestSupport
import Testing

/// A home that moves keeps working: `lethe.json` holds the paths inside the home relative to
/// it. A home that is copied diverges from the original: each run that writes records the
/// home's ledger head in the store (`.lethe-head`), and a home whose ledger does not hold the
/// store's marker refuses to write (exit 1, nothing written).
@Suite struct MovedHomeTests {
    static let customers: [String: [String: [UInt8]]] = ["alice": ["a.txt": Array("alice".utf8)], "bob": ["b.txt": Array("bob".utf8)]]

    /// Runs `lethe arguments… --home home` with the fixture's environment.
    static func lethe(_ fixture: CLIFixture, _ home: URL, _ arguments: [String]) throws -> LetheProcess.Result {
        try LetheProcess.run(arguments + ["--home", home.path], environment: fixture.environment)
    }

    /// Every file under `folder` with its size (what a refused run must leave as it was).
    static func files(under folder: URL) throws -> [String: Int] {
        var found: [String: Int] = [:]
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.fileSizeKey, .isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            let values = try url.resourceValues(forKeys: [.fileSizeKey, .isRegularFileKey])
            if values.isRegularFile == true { found[String(url.path.dropFirst(folder.path.count))] = values.fileSize ?? 0 }
        }
        return found
    }

    /// `mv` the home elsewhere: backup, list, verify, restore and expire all work there, and
    /// lethe.json names the store, the policy and the key directory relative to the home.
    @Test func aMovedHomeWorksWhereItLands() throws {
        let fixture = try CLIFixture(customers: Self.customers)
        try fixture.succeed(["backup"])
        let configuration = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: fixture.home.appendingPathComponent("lethe.json"))) as? [String: Any])
        #expect(configuration["store"] as? String == "store")
        #expect(configuration["policy"] as? String == "policy.yaml")
        #expect(configuration["key_directories"] as? [String] == ["keys"])
        #expect(configuration["source"] as? String == fixture.source.path, "a path outside the home stays absolute")

        let moved = fixture.root.url.appendingPathComponent("elsewhere/moved-home")
        try FileManager.default.createDirectory(at: moved.deletingLastPathComponent(), withIntermediateDirectories: true)
        #expect(try LetheProcess.tool(["mv", fixture.home.path, moved.path]).status == 0)

        fixture.environment["LETHE_NOW"] = "2026-11-02T00:00:00Z"
        for arguments in [["backup"], ["list", "archives"], ["list", "sets"], ["verify"], ["verify", "--copies"], ["expire"], ["keys", "status"]] {
            let result = try Self.lethe(fixture, moved, arguments)
            #expect(result.status == 0, "\(arguments.joined(separator: " ")): stdout \(result.stdout) stderr \(result.stderr)")
        }
        let target = fixture.root.url.appendingPathComponent("restored")
        let restore = try Self.lethe(fixture, moved, ["restore", "--customer", "alice", "--to", target.path])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(FileManager.default.contents(atPath: target.appendingPathComponent("a.txt").path) == Data("alice".utf8))
        #expect(try Self.files(under: moved.appendingPathComponent("store")).keys.contains { $0.hasSuffix(".lethe") })
    }

    /// `cp -a` a home whose store is outside it: the copy backs up, and then a backup (or an
    /// expire, or a shred) from the original is refused with exit 1, "this store was written by
    /// another copy of this home", and writes nothing to the store; the copy goes on working.
    @Test func aCopyThatWroteLastRefusesTheOriginal() throws {
        let fixture = try CLIFixture(customers: Self.customers, initArguments: { root in ["--store", root.appendingPathComponent("shared-store").path] })
        let store = fixture.root.url.appendingPathComponent("shared-store")
        try fixture.succeed(["backup"])
        let copy = fixture.root.url.appendingPathComponent("copy")
        #expect(try LetheProcess.tool(["cp", "-a", fixture.home.path, copy.path]).status == 0)

        fixture.environment["LETHE_NOW"] = "2026-11-02T00:00:00Z"
        let fromCopy = try Self.lethe(fixture, copy, ["backup"])
        #expect(fromCopy.status == 0, "\(fromCopy.stderr)")

        fixture.environment["LETHE_NOW"] = "2026-11-03T00:00:00Z"
        let before = try Self.files(under: store)
        for arguments in [["backup"], ["expire"], ["shred", "--customer", "bob", "--request", "R-1", "--yes"]] {
            let refused = try fixture.lethe(arguments)
            #expect(refused.status == 1, "\(arguments[0]): stdout \(refused.stdout) stderr \(refused.stderr)")
            #expect(refused.stderr.contains("this store was written by another copy of this home"), "\(refused.stderr)")
            #expect(refused.stderr.contains("Nothing was written"), "\(refused.stderr)")
        }
        #expect(try Self.files(under: store) == before, "a refused run wrote to the store")
        #expect(try fixture.copies().count == 2, "the original's catalog is unchanged: alice and bob of the first night")

        let copyAgain = try Self.lethe(fixture, copy, ["backup"])
        #expect(copyAgain.status == 0, "\(copyAgain.stderr)")
        #expect(try Self.lethe(fixture, copy, ["verify"]).status == 0)
    }

    /// The original alone (no copy) is never refused by its own marker: backups, expiry, a shred
    /// and a rotation across several nights all succeed, and the marker follows its ledger head.
    @Test func theOriginalAloneKeepsWorkingAcrossNights() throws {
        let fixture = try CLIFixture(customers: Self.customers, initArguments: { root in ["--store", root.appendingPathComponent("own-store").path] })
        let marker = fixture.root.url.appendingPathComponent("own-store/.lethe-head")
        for day in 1...9 {
            fixture.environment["LETHE_NOW"] = String(format: "2026-11-%02dT02:00:00Z", day)
            try fixture.succeed(["nightly"])
            if day == 4 {
                try fixture.succeed(["shred", "--customer", "bob", "--request", "R-2", "--yes"])
                try FileManager.default.removeItem(at: fixture.source.appendingPathComponent("bob"))
            }
            if day == 6 { try fixture.succeed(["keys", "rotate"]) }
        }
        let line = try String(contentsOf: marker, encoding: .utf8)
        let head = try #require(try JSONSerialization.jsonObject(with: Data(fixture.succeed(["verify", "--ledger", "--json"]).utf8)) as? [String: Any])
        #expect(line.hasPrefix("lethe-head-v1 \(head["events"] as? Int ?? -1) "), "\(line) vs \(head)")
    }
}
