import Foundation
import LetheTestSupport
import Testing

/// A home written before the store lost its folder per set (`Fixtures/old-layout-home.tar.gz`:
/// written by Lethe at 112876b, three nights of 1–3 November 2026 for alice and bob, copies at
/// `archives/<pseudonym>/<set>/<archive>.lethe`) keeps working: every copy is found at the key
/// its catalog row names, so list, verify, restore, export and doctor read the old copies; new
/// nights write `archives/<pseudonym>/<set>-<archive>.lethe` beside them; expiry removes the
/// folders it leaves empty.
@Suite struct OldLayoutHomeTests {
    /// The fixture unpacked in a temporary folder, with `lethe.json` pointed at its source.
    static func unpack() throws -> (root: TemporaryDirectory, home: URL) {
        let root = try TemporaryDirectory(prefix: "lethe-old-layout")
        let archive = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
            .appendingPathComponent("old-layout-home.tar.gz")
        let unpacked = try LetheProcess.tool(["tar", "xzf", archive.path, "-C", root.url.path])
        guard unpacked.status == 0 else { throw FixtureError("tar: \(unpacked.output)") }
        let home = root.url.appendingPathComponent("home")
        let file = home.appendingPathComponent("lethe.json")
        var configuration = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        configuration["source"] = root.url.appendingPathComponent("source").path
        try JSONSerialization.data(withJSONObject: configuration).write(to: file)
        return (root, home)
    }

    static func run(_ home: URL, _ now: String, _ arguments: [String]) throws -> LetheProcess.Result {
        try LetheProcess.run(arguments + ["--home", home.path], environment: ["LETHE_NOW": now])
    }

    static func copies(_ home: URL, _ now: String, customer: String) throws -> [[String: Any]] {
        let result = try run(home, now, ["list", "archives", "--json", "--customer", customer])
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
    }

    /// The folders under `folder`, relative to it.
    static func folders(under folder: URL) -> [String] {
        var found: [String] = []
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isDirectoryKey])
        while let url = enumerator?.nextObject() as? URL {
            if (try? url.resourceValues(forKeys: [.isDirectoryKey]))?.isDirectory == true {
                found.append(String(url.standardizedFileURL.path.dropFirst(folder.standardizedFileURL.path.count + 1)))
            }
        }
        return found.sorted()
    }

    @Test func aHomeWithTheFolderPerSetLayoutKeepsWorking() throws {
        let (root, home) = try Self.unpack()
        let night = "2026-11-04T02:00:00Z"
        let old = try Self.copies(home, night, customer: "alice")
        #expect(old.count == 3)
        #expect(old.allSatisfy { ($0["object_key"] as? String)?.split(separator: "/").count == 4 }, "\(old)")
        let oldDaily = try #require(old.first { $0["class"] as? String == "daily" }?["set"] as? String)

        // The old copies read back: structure, every byte, restore, export, doctor.
        for arguments in [["verify"], ["verify", "--copies"], ["list", "sets"]] {
            let result = try Self.run(home, night, arguments)
            #expect(result.status == 0, "\(arguments): \(result.stdout) \(result.stderr)")
        }
        let restored = root.url.appendingPathComponent("restored-old")
        let restore = try Self.run(home, night, ["restore", "--customer", "alice", "--set", oldDaily, "--to", restored.path])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(FileManager.default.contents(atPath: restored.appendingPathComponent("sub/n.txt").path) == Data("nested".utf8))
        let export = root.url.appendingPathComponent("bob.tar")
        #expect(try Self.run(home, night, ["export", "--customer", "bob", "--out", export.path]).status == 0)
        #expect(FileManager.default.fileExists(atPath: export.path))
        let doctor = try Self.run(home, night, ["doctor", "--json"])
        #expect(doctor.status == 0, "\(doctor.stdout)")

        // A new night goes into the new layout, beside the old copies.
        #expect(try Self.run(home, night, ["backup"]).status == 0)
        let now = try Self.copies(home, night, customer: "alice")
        let newest = try #require(now.first { !old.map { $0["set"] as? String }.contains($0["set"] as? String) })
        let set = try #require(newest["set"] as? String)
        let pseudonym = try #require(newest["pseudonym"] as? String)
        #expect((newest["object_key"] as? String)?.hasPrefix("archives/\(pseudonym)/\(set)-") == true)
        let restoredNew = root.url.appendingPathComponent("restored-new")
        #expect(try Self.run(home, night, ["restore", "--customer", "alice", "--to", restoredNew.path]).status == 0)
        #expect(FileManager.default.contents(atPath: restoredNew.appendingPathComponent("a.txt").path) == Data("alice".utf8))

        // Expiry of the old daily set removes its folders (and nothing else).
        let expiry = "2026-11-10T02:00:00Z"
        #expect(try Self.run(home, expiry, ["expire"]).status == 0)
        let pseudonyms = Set(try ["alice", "bob"].flatMap { try Self.copies(home, expiry, customer: $0) }
            .compactMap { $0["pseudonym"] as? String }).sorted()
        let oldSets = Set(old.compactMap { $0["set"] as? String }).subtracting([oldDaily]).sorted()
        #expect(pseudonyms.count == 2)
        #expect(Self.folders(under: home.appendingPathComponent("store/archives"))
                == pseudonyms.flatMap { pseudonym in [pseudonym] + oldSets.map { "\(pseudonym)/\($0)" } })
        let verify = try Self.run(home, expiry, ["verify"])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
    }
}
