import Foundation
import LetheTestSupport
import Testing

/// Names are bytes through the real binary: file names and customer ids (folder names) of any
/// byte shape back up and restore exactly; `--customer -` reads an id's raw bytes from standard input.
@Suite struct NameBytesCLITests {


    /// A home whose source root holds the given customer folders (names as bytes), each with
    /// the given files; created with the real `lethe init`.
    static func fixture(_ customers: [([UInt8], [([UInt8], [UInt8])])]) throws -> CLIFixture {
        let fixture = try CLIFixture(customers: [:]) { source in
            let root = Array(source.path.utf8)
            for (customer, files) in customers {
                Tree.mkdir(root, customer, mode: 0o755)
                for (name, content) in files { Tree.file(root, customer + [0x2f] + name, content) }
            }
        }
        return fixture
    }

    @Test func aCustomerWithAnNFDFileNameBacksUpAndRestores() throws {
        let nfd = NastyNames.nfdE + utf8(".txt")
        let fixture = try Self.fixture([(utf8("acme"), [(nfd, utf8("decomposed")), (utf8("plain.txt"), utf8("plain"))])])
        try fixture.succeed(["backup"])
        let target = fixture.root.url.appendingPathComponent("restored")
        let result = try fixture.lethe(["restore", "--customer", "acme", "--to", target.path])
        try #require(result.status == 0, "restore exited \(result.status): \(result.stderr)")
        let restored = Array(target.path.utf8)
        #expect(Tree.names(restored) == [nfd, utf8("plain.txt")].sorted { $0.lexicographicallyPrecedes($1) })
        #expect(Tree.readFile(restored + [0x2f] + nfd) == utf8("decomposed"))
    }

    @Test func nfcAndNFDTwinFoldersAreTwoCustomers() throws {
        let nfd = utf8("Cafe") + [0xcc, 0x81], nfc = utf8("Caf") + [0xc3, 0xa9]
        let fixture = try Self.fixture([(nfd, [(utf8("who"), utf8("the NFD customer"))]),
                                        (nfc, [(utf8("who"), utf8("the NFC customer"))])])
        let backup = try JSONSerialization.jsonObject(with: Data(try fixture.succeed(["backup", "--json"]).utf8)) as? [String: Any]
        let outcomes = backup?["customers"] as? [[String: Any]] ?? []
        #expect(outcomes.count == 2)
        #expect(outcomes.allSatisfy { $0["status"] as? String == "committed" })
        var pseudonyms: Set<String> = []
        for (id, who) in [(nfd, "the NFD customer"), (nfc, "the NFC customer")] {
            let target = fixture.root.url.appendingPathComponent("restored-\(who.count)-\(pseudonyms.count)")
            let result = try fixture.lethe(["restore", "--customer", "-", "--to", target.path], input: id + [0x0a])
            try #require(result.status == 0, "restore exited \(result.status): \(result.stderr)")
            #expect(Tree.readFile(Array(target.path.utf8) + utf8("/who")) == utf8(who))
            let listed = try fixture.lethe(["list", "archives", "--json", "--customer", "-"], input: id)
            let copies = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? []
            #expect(copies.count == 1)
            if let pseudonym = copies.first?["pseudonym"] as? String { pseudonyms.insert(pseudonym) }
        }
        #expect(pseudonyms.count == 2)
    }

    @Test func aNonUTF8CustomerRoundTripsThroughStandardInput() throws {
        let id: [UInt8] = [0x63, 0x75, 0x73, 0xff, 0x2d, 0xe9, 0x0a] // "cus", 0xff, "-", Latin-1 é, and a newline of its own
        let file = NastyNames.nfdE + [0xfe]
        let fixture = try Self.fixture([(id, [(file, utf8("bytes all the way"))]), (utf8("other"), [(utf8("x"), utf8("y"))])])
        let backup = try JSONSerialization.jsonObject(with: Data(try fixture.succeed(["backup", "--json"]).utf8)) as? [String: Any]
        #expect((backup?["customers"] as? [[String: Any]])?.count == 2)
        // The id's own trailing newline survives: only one newline is stripped.
        let target = fixture.root.url.appendingPathComponent("restored")
        let restore = try fixture.lethe(["restore", "--customer", "-", "--to", target.path], input: id + [0x0a])
        try #require(restore.status == 0, "restore exited \(restore.status): \(restore.stderr)")
        #expect(Tree.names(Array(target.path.utf8)) == [file])
        #expect(Tree.readFile(Array(target.path.utf8) + [0x2f] + file) == utf8("bytes all the way"))
        // The id never reaches the output or the logs, not even in part.
        #expect(!restore.stderr.contains("cus") && !restore.stdout.contains("cus"))

        let tar = fixture.root.url.appendingPathComponent("export.tar")
        let export = try fixture.lethe(["export", "--customer", "-", "--out", tar.path], input: id + [0x0a])
        try #require(export.status == 0, "export exited \(export.status): \(export.stderr)")
        let unpacked = fixture.root.url.appendingPathComponent("unpacked")
        try FileManager.default.createDirectory(at: unpacked, withIntermediateDirectories: false)
        let bsdtar = try Process.run(URL(fileURLWithPath: "/usr/bin/bsdtar"), arguments: ["-x", "-f", tar.path, "-C", unpacked.path])
        bsdtar.waitUntilExit()
        #expect(bsdtar.terminationStatus == 0)
        #expect(Tree.names(Array(unpacked.path.utf8)) == [file])

        let listed = try fixture.lethe(["list", "archives", "--json", "--customer", "-"], input: id + [0x0a])
        #expect(listed.status == 0)
        #expect((try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])?.count == 1)

        // Without its own newline the id names no customer: exit 5, nothing restored.
        let missing = try fixture.lethe(["restore", "--customer", "-", "--to", fixture.root.url.appendingPathComponent("r2").path],
                                        input: Array(id.dropLast()))
        #expect(missing.status == 5)
        let backupOne = try fixture.lethe(["backup", "--customer", "-", "--json"], input: id + [0x0a])
        #expect(backupOne.status == 0, "backup exited \(backupOne.status): \(backupOne.stderr)")
    }

    @Test func standardInputHoldsOneIdAndCannotAlsoConfirmAShred() throws {
        let fixture = try Self.fixture([(utf8("acme"), [(utf8("a"), utf8("b"))])])
        let twice = try fixture.lethe(["backup", "--customer", "-", "--customer", "-"], input: utf8("acme\n"))
        #expect(twice.status == 64)
        #expect(twice.stderr.contains("give it once"))
        let shred = try fixture.lethe(["shred", "--customer", "-", "--request", "REQ-1"], input: utf8("acme\n"))
        #expect(shred.status == 64)
        let tooLong = try fixture.lethe(["list", "archives", "--customer", "-"], input: [UInt8](repeating: 0x61, count: 5000))
        #expect(tooLong.status == 64)
        let slash = try fixture.lethe(["list", "archives", "--customer", "-"], input: utf8("a/b\n"))
        #expect(slash.status == 64)
    }
}

private func utf8(_ text: String) -> [UInt8] { Array(text.utf8) }
