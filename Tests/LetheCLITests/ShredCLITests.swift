import Foundation
import LetheTestSupport
import Testing

/// `lethe shred`, `keys` and `export` as an operator meets them: receipts, exit codes, refusals.
@Suite struct ShredCLITests {
    static let customers: [String: [String: [UInt8]]] = [
        "alice": ["notes/a.txt": Array("alice".utf8), "blob.bin": randomBytes(50_000, seed: 1)],
        "bob": ["b.txt": Array("bob".utf8)],
    ]

    @Test func shredReceiptThenNoOpThenRestoreExportAndBackupRefuse() throws {
        let fixture = try CLIFixture(customers: Self.customers)
        try fixture.succeed(["backup"])
        let pseudonym = try #require(try fixture.copies(customer: "alice").first?["pseudonym"] as? String)

        let output = try fixture.succeed(["shred", "--customer", "alice", "--request", "GDPR-7", "--yes", "--json"])
        let receipt = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(receipt["status"] as? String == "shredded")
        #expect(receipt["complete"] as? Bool == true)
        #expect(receipt["pseudonym"] as? String == pseudonym)
        #expect(receipt["request"] as? String == "GDPR-7")
        #expect(receipt["shredded_at"] as? String == "2026-11-01T00:00:00Z")
        let unreadable = try #require(receipt["unreadable"] as? [[String: Any]])
        #expect(unreadable.first?["location"] as? String == "local")
        #expect(unreadable.first?["copies"] as? Int == 1)
        let rotation = try #require(receipt["rotation"] as? [String: Any])
        #expect(rotation["from_epoch"] as? Int == 1)
        #expect(rotation["to_epoch"] as? Int == 2)
        #expect(!output.contains("\"alice\""))

        let again = try fixture.lethe(["shred", "--customer", "alice", "--request", "GDPR-8", "--yes"])
        #expect(again.status == 0)
        #expect(again.stdout.contains("Already shredded on 2026-11-01T00:00:00Z (request GDPR-7)"))

        let restore = try fixture.lethe(["restore", "--customer", "alice", "--to", fixture.root.url.appendingPathComponent("r").path])
        #expect(restore.status == 4)
        #expect(restore.stderr.contains("customer shredded on 2026-11-01T00:00:00Z (request GDPR-7)"))
        let export = try fixture.lethe(["export", "--customer", "alice", "--out", fixture.root.url.appendingPathComponent("a.tar").path])
        #expect(export.status == 4)
        #expect(export.stderr.contains("customer shredded on 2026-11-01T00:00:00Z (request GDPR-7)"))
        #expect(!FileManager.default.fileExists(atPath: fixture.root.url.appendingPathComponent("a.tar").path))

        // The nightly backup skips her folder, still in the source tree, and says so (exit 2).
        fixture.environment["LETHE_NOW"] = "2026-11-02T00:00:00Z"
        let backup = try fixture.lethe(["backup", "--json"])
        #expect(backup.status == 2)
        let outcome = try #require(try JSONSerialization.jsonObject(with: Data(backup.stdout.utf8)) as? [String: Any])
        let statuses = (outcome["customers"] as? [[String: Any]] ?? []).compactMap { $0["status"] as? String }.sorted()
        #expect(statuses == ["committed", "shredded"])
        let all = try fixture.copies()
        #expect(all.filter { $0["pseudonym"] as? String == pseudonym }.allSatisfy { $0["state"] as? String == "shredded" })
        #expect(all.filter { $0["state"] as? String == "live" }.count == 2)
    }

    @Test func shredRefusesWithoutConfirmationUnknownCustomersAndWhileBusy() throws {
        let fixture = try CLIFixture(customers: Self.customers)
        try fixture.succeed(["backup"])
        let unconfirmed = try fixture.lethe(["shred", "--customer", "alice", "--request", "R"])
        #expect(unconfirmed.status == 64)
        #expect(unconfirmed.stderr.contains("--yes"))
        #expect(try fixture.lethe(["shred", "--customer", "alice", "--request", "", "--yes"]).status == 64)
        let unknown = try fixture.lethe(["shred", "--customer", "mallory", "--request", "R", "--yes"])
        #expect(unknown.status == 5)

        // Another shred or rotation holds the keys lock: busy. A backup's run lock does not block it.
        let lockFile = open(fixture.home.appendingPathComponent("keys.lock").path, O_RDWR | O_CREAT, 0o600)
        #expect(flock(lockFile, LOCK_EX | LOCK_NB) == 0)
        let busy = try fixture.lethe(["shred", "--customer", "alice", "--request", "R", "--yes"])
        #expect(busy.status == 6)
        #expect(try fixture.lethe(["keys", "rotate"]).status == 6)
        close(lockFile)
        let runLock = open(fixture.home.appendingPathComponent("run.lock").path, O_RDWR | O_CREAT, 0o600)
        #expect(flock(runLock, LOCK_EX | LOCK_NB) == 0)
        #expect(try fixture.lethe(["backup"]).status == 6)
        try fixture.succeed(["shred", "--customer", "alice", "--request", "R", "--yes"])
        close(runLock)
        try fixture.succeed(["restore", "--customer", "bob", "--to", fixture.root.url.appendingPathComponent("rb").path])
    }

    @Test func keysStatusRotateAndEscrow() throws {
        let fixture = try CLIFixture(customers: Self.customers)
        try fixture.succeed(["backup"])
        let keyFile = fixture.home.appendingPathComponent("keys/kek-000001.key")
        let kek = try Data(contentsOf: keyFile).map { String(format: "%02x", $0) }.joined()

        let escrow = try fixture.lethe(["keys", "escrow", "--raw"])
        #expect(escrow.status == 0)
        #expect(escrow.stdout.hasPrefix("lethe-kek-v1 epoch=1 id="))
        #expect(escrow.stdout.trimmingCharacters(in: .newlines).hasSuffix("key=\(kek)"))
        #expect(escrow.stderr.contains("WARNING"))
        #expect(escrow.stderr.contains("destroy it then"))
        #expect(!escrow.stderr.contains(kek))

        let status = try JSONSerialization.jsonObject(with: Data(try fixture.succeed(["keys", "status", "--json"]).utf8)) as? [String: Any]
        #expect(status?["epoch"] as? Int == 1)
        #expect(status?["healthy"] as? Bool == true)
        #expect((status?["directories"] as? [[String: Any]])?.first?["holds_current_epoch"] as? Bool == true)

        let rotate = try fixture.succeed(["keys", "rotate"])
        #expect(rotate.contains("epoch 1 -> 2"))
        #expect(!FileManager.default.fileExists(atPath: keyFile.path))
        let after = try fixture.lethe(["keys", "escrow", "--raw", "--base64"])
        #expect(after.stdout.hasPrefix("lethe-kek-v1 epoch=2 id="))
        let newKey = try Data(contentsOf: fixture.home.appendingPathComponent("keys/kek-000002.key")).base64EncodedString()
        #expect(after.stdout.trimmingCharacters(in: .newlines).hasSuffix("key=\(newKey)"))
        let json = try fixture.lethe(["keys", "escrow", "--raw", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["epoch"] as? Int == 2)
        #expect(object?["key"] as? String == Data(base64Encoded: newKey)!.map { String(format: "%02x", $0) }.joined())
        // Everything still restores under the new epoch.
        try fixture.succeed(["restore", "--customer", "alice", "--to", fixture.root.url.appendingPathComponent("r").path])
        // Losing the only key directory loses the KEK: every command says so instead of guessing.
        try FileManager.default.moveItem(at: fixture.home.appendingPathComponent("keys"), to: fixture.root.url.appendingPathComponent("keys-away"))
        try FileManager.default.createDirectory(at: fixture.home.appendingPathComponent("keys"), withIntermediateDirectories: false)
        let broken = try fixture.lethe(["keys", "status", "--json"])
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("key-encryption key of epoch 2 cannot be read from any key directory: "
            + "\(fixture.home.appendingPathComponent("keys").path) does not hold the current key-encryption key (epoch 2)"), "\(broken.stderr)")
    }

    @Test func exportWritesATarAndAZipThatCommonToolsOpen() throws {
        let fixture = try CLIFixture(customers: Self.customers)
        try fixture.succeed(["backup"])
        let tar = fixture.root.url.appendingPathComponent("out/alice.tar")
        try FileManager.default.createDirectory(at: tar.deletingLastPathComponent(), withIntermediateDirectories: true)
        let result = try fixture.succeed(["export", "--customer", "alice", "--out", tar.path])
        #expect(result.contains("as tar"))
        let listing = try LetheProcess.tool(["tar", "-tf", tar.path])
        #expect(listing.status == 0)
        #expect(Set(listing.output.split(separator: "\n").map(String.init)).isSuperset(of: ["notes/a.txt", "blob.bin"]))

        let zip = fixture.root.url.appendingPathComponent("out/alice.zip")
        try fixture.succeed(["export", "--customer", "alice", "--out", zip.path])
        let script = "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(z.read('notes/a.txt').decode()); print(len(z.read('blob.bin')))"
        let python = try LetheProcess.tool(["python3", "-c", script, zip.path])
        #expect(python.status == 0, "\(python.output)")
        #expect(python.output == "alice\n50000\n")

        // An existing file is never replaced, and nothing is left behind.
        let before = try Data(contentsOf: tar)
        let again = try fixture.lethe(["export", "--customer", "alice", "--out", tar.path])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already exists"))
        #expect(try Data(contentsOf: tar) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: tar.deletingLastPathComponent().path).sorted() == ["alice.tar", "alice.zip"])
        #expect(try fixture.lethe(["export", "--customer", "mallory", "--out", fixture.root.url.appendingPathComponent("m.tar").path]).status == 5)
    }

    /// An operator loses the key directory: the escrow taken after the latest rotation brings it
    /// back; one taken before a shred cannot, so it can never reopen what the shred erased.
    @Test func keysRecoverPutsTheEscrowBackButRefusesAStaleOne() throws {
        let fixture = try CLIFixture(customers: Self.customers)
        try fixture.succeed(["backup"])
        let beforeShred = fixture.root.url.appendingPathComponent("escrow-epoch1.txt")
        try fixture.succeed(["keys", "escrow", "--raw"]).write(to: beforeShred, atomically: true, encoding: .utf8)
        try fixture.succeed(["shred", "--customer", "alice", "--request", "R-1", "--yes"])
        let current = fixture.root.url.appendingPathComponent("escrow-epoch2.json")
        try fixture.succeed(["keys", "escrow", "--raw", "--json", "--base64"]).write(to: current, atomically: true, encoding: .utf8)

        let keys = fixture.home.appendingPathComponent("keys")
        try FileManager.default.removeItem(at: keys)
        let lost = try fixture.lethe(["restore", "--customer", "bob", "--to", fixture.root.url.appendingPathComponent("r0").path])
        #expect(lost.status == 1)
        #expect(lost.stderr.contains("lethe keys recover --escrow FILE"))

        let stale = try fixture.lethe(["keys", "recover", "--escrow", beforeShred.path])
        #expect(stale.status == 1)
        #expect(stale.stderr.contains("epoch 1, but the key store is at epoch 2"))
        #expect(!FileManager.default.fileExists(atPath: keys.path))
        let garbage = fixture.root.url.appendingPathComponent("garbage.txt")
        try "not an escrow".write(to: garbage, atomically: true, encoding: .utf8)
        #expect(try fixture.lethe(["keys", "recover", "--escrow", garbage.path]).status == 64)

        // The only key directory was the only witness: the epoch must be accepted by name.
        let unwitnessed = try fixture.lethe(["keys", "recover", "--escrow", current.path])
        #expect(unwitnessed.status == 3)
        #expect(unwitnessed.stderr.contains("--accept-epoch 2"))
        let recovered = try fixture.succeed(["keys", "recover", "--escrow", current.path, "--accept-epoch", "2"])
        #expect(recovered.contains("epoch 2"))
        #expect(recovered.contains("\(keys.path): restored"))
        #expect(try fixture.succeed(["keys", "recover", "--escrow", current.path]).contains("Nothing to do"))
        let restored = fixture.root.url.appendingPathComponent("r1")
        try fixture.succeed(["restore", "--customer", "bob", "--to", restored.path])
        #expect(try Data(contentsOf: restored.appendingPathComponent("b.txt")) == Data("bob".utf8))
        #expect(try fixture.lethe(["restore", "--customer", "alice", "--to", fixture.root.url.appendingPathComponent("r2").path]).status == 4)
        #expect(try fixture.succeed(["verify", "--ledger"]).contains("intact"))
    }

    /// A customer erased before their first backup (issue 9, item 3). Plain `shred` of an id never
    /// seen exits 5, records nothing and names the flag; `shred --not-yet-backed-up` records a
    /// tombstone (exit 0); the next backup refuses the customer as it refuses shredded ones
    /// (status shredded, exit 2), creates no key for them and stores nothing of theirs.
    /// An id that matches a backed-up customer (or a source folder) only after Unicode
    /// normalisation is still not found (ids are bytes), but the refusal says so, without
    /// echoing either id, so the operator gives the exact bytes instead of erasing nobody.
    @Test func shredOfAnIdThatDiffersOnlyInNormalisationSaysSo() throws {
        let nfc = "caf\u{E9}", nfd = "cafe\u{301}"
        let fixture = try CLIFixture(customers: [nfc: ["a.txt": Array("x".utf8)], "pending": ["p.txt": Array("p".utf8)]])
        try fixture.succeed(["backup", "--customer", nfc])
        let twin = try fixture.lethe(["shred", "--customer", "-", "--request", "R-1", "--yes"], input: Array(nfd.utf8))
        #expect(twin.status == 5)
        #expect(twin.stderr.contains("differs only in Unicode normalisation"), "\(twin.stderr)")
        #expect(!twin.stderr.contains(nfc) && !twin.stderr.contains(nfd))
        let plain = try fixture.lethe(["shred", "--customer", "nobody", "--request", "R-1", "--yes"])
        #expect(plain.status == 5)
        #expect(!plain.stderr.contains("normalisation twin"))
        #expect(!plain.stderr.contains("differs only in Unicode normalisation"))
    }

    @Test func shredNotYetBackedUpRefusesEveryLaterBackup() throws {
        let fixture = try CLIFixture(customers: Self.customers)
        let plain = try fixture.lethe(["shred", "--customer", "carol", "--request", "GDPR-9", "--yes"])
        #expect(plain.status == 5)
        #expect(plain.stderr.contains("--not-yet-backed-up"), "\(plain.stderr)")

        let output = try fixture.succeed(["shred", "--customer", "carol", "--request", "GDPR-9", "--yes", "--not-yet-backed-up"])
        #expect(output.contains("nothing stored; future backups refused"), "\(output)")
        #expect(!output.contains("carol"))
        let again = try fixture.lethe(["shred", "--customer", "carol", "--request", "GDPR-10", "--yes"])
        #expect(again.status == 0)
        #expect(again.stdout.contains("Already shredded on 2026-11-01T00:00:00Z (request GDPR-9)"))

        // Her folder appears; the next backup backs up the others and refuses her.
        let folder = fixture.source.appendingPathComponent("carol")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("carol".utf8).write(to: folder.appendingPathComponent("c.txt"))
        fixture.environment["LETHE_NOW"] = "2026-11-02T00:00:00Z"
        let backup = try fixture.lethe(["backup", "--json"])
        #expect(backup.status == 2)
        let outcome = try #require(try JSONSerialization.jsonObject(with: Data(backup.stdout.utf8)) as? [String: Any])
        let statuses = (outcome["customers"] as? [[String: Any]] ?? []).compactMap { $0["status"] as? String }.sorted()
        #expect(statuses == ["committed", "committed", "shredded"])
        #expect(try fixture.copies().count == 2)
        let status = try #require(try JSONSerialization.jsonObject(with: Data(try fixture.succeed(["keys", "status", "--json"]).utf8)) as? [String: Any])
        #expect(status["customers"] as? Int == 2, "a key was created for a customer erased before their first backup")
        #expect(status["shredded_customers"] as? Int == 1)
        #expect(try fixture.lethe(["restore", "--customer", "carol", "--to", fixture.root.url.appendingPathComponent("rc").path]).status == 4)

        // The JSON receipt says so; the flag on a customer who was backed up is an ordinary shred.
        let json = try fixture.succeed(["shred", "--customer", "dave", "--request", "GDPR-11", "--yes", "--not-yet-backed-up", "--json"])
        let receipt = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(receipt["status"] as? String == "not_yet_backed_up")
        #expect(receipt["complete"] as? Bool == true)
        #expect(receipt["pseudonym"] == nil || receipt["pseudonym"] is NSNull)
        let known = try fixture.succeed(["shred", "--customer", "alice", "--request", "GDPR-12", "--yes", "--not-yet-backed-up", "--json"])
        let knownReceipt = try #require(try JSONSerialization.jsonObject(with: Data(known.utf8)) as? [String: Any])
        #expect(knownReceipt["status"] as? String == "shredded")
        #expect(try fixture.copies().filter { $0["state"] as? String == "live" }.count == 1)
    }

    /// `shred` and `keys rotate` refuse a clock earlier than the last recorded event, as backup,
    /// expire and report do (issue 9, item 9): exit 1, the clock message, and nothing done (no
    /// tombstone, no rotation, the customer still restorable).
    @Test func shredAndKeysRotateRefuseAClockThatWentBack() throws {
        let fixture = try CLIFixture(customers: Self.customers)
        try fixture.succeed(["backup"])
        fixture.environment["LETHE_NOW"] = "2026-10-31T00:00:00Z"
        for arguments in [["shred", "--customer", "alice", "--request", "R", "--yes"],
                          ["shred", "--customer", "carol", "--request", "R", "--yes", "--not-yet-backed-up"],
                          ["keys", "rotate"]] {
            let result = try fixture.lethe(arguments)
            #expect(result.status == 1, "\(arguments): \(result.stdout)")
            #expect(result.stderr.contains("the clock reads 2026-10-31T00:00:00Z, earlier than the last recorded run at 2026-11-01T00:00:00Z"),
                    "\(arguments): \(result.stderr)")
        }
        fixture.environment["LETHE_NOW"] = "2026-11-01T00:00:00Z"
        let status = try #require(try JSONSerialization.jsonObject(with: Data(try fixture.succeed(["keys", "status", "--json"]).utf8)) as? [String: Any])
        #expect(status["epoch"] as? Int == 1)
        #expect(status["shredded_customers"] as? Int == 0)
        #expect(try fixture.copies().allSatisfy { $0["state"] as? String == "live" })
        try fixture.succeed(["restore", "--customer", "alice", "--to", fixture.root.url.appendingPathComponent("ra").path])
    }
}
