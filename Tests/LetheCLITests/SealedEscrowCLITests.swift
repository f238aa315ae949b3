import Foundation
import LetheTestSupport
import Testing

/// Recovery without resurrection (issue 10): the sealed escrow follows every rotation, rebuilds
/// lost key directories, and never brings back a shredded customer. Before, the only escrow was
/// the raw `keys escrow` printout, which after the next shred, with any old copy of the key
/// store, opened the shredded customer again.
@Suite struct SealedEscrowCLITests {
    static let customers: [String: [String: [UInt8]]] = ["alice": ["a.txt": Array("alice".utf8)], "bob": ["b.txt": Array("bob".utf8)]]

    /// A home set up with a generated recovery key (`ROOT/recovery.key`) and one escrow
    /// directory (`ROOT/vault`), backed up once.
    static func escrowedHome() throws -> (fixture: CLIFixture, vault: URL, recoveryKey: URL) {
        let fixture = try CLIFixture(customers: customers, initArguments: { root in
            ["--recovery-key-out", root.appendingPathComponent("recovery.key").path, "--escrow-dir", root.appendingPathComponent("vault").path]
        })
        try fixture.succeed(["backup"])
        return (fixture, fixture.root.url.appendingPathComponent("vault"), fixture.root.url.appendingPathComponent("recovery.key"))
    }

    static func sealedFiles(_ vault: URL) throws -> [String] {
        try keyDirectoryFiles(vault).filter { $0.hasPrefix("kek-") }
    }

    /// The details of the ledger's events of `kind`, read with Python's sqlite3.
    static func ledgerDetails(_ fixture: CLIFixture, kind: String) throws -> [[String: String]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sqlite3, sys; [print(d) for (d,) in sqlite3.connect(sys.argv[1]).execute('SELECT details FROM ledger WHERE kind = ? ORDER BY seq', (sys.argv[2],))]",
                             fixture.home.appendingPathComponent("catalog.sqlite").path, kind]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try String(decoding: output, as: UTF8.self).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] ?? [:]
        }
    }

    @Test func losingEveryKeyDirectoryRecoversFromTheSealedEscrowAndShreddedStaysShredded() throws {
        let (fixture, vault, recoveryKey) = try Self.escrowedHome()
        #expect(try Self.sealedFiles(vault) == ["kek-000001.sealed"])
        try fixture.succeed(["shred", "--customer", "alice", "--request", "GDPR-1", "--yes"])
        // The sealed escrow followed the rotation: only the current epoch's file remains.
        #expect(try Self.sealedFiles(vault) == ["kek-000002.sealed"])
        try fixture.succeed(["keys", "rotate"])
        #expect(try Self.sealedFiles(vault) == ["kek-000003.sealed"])

        try FileManager.default.removeItem(at: fixture.home.appendingPathComponent("keys"))
        #expect(try fixture.lethe(["restore", "--customer", "bob", "--to", fixture.root.url.appendingPathComponent("r0").path]).status == 1)
        let recovered = try fixture.lethe(["keys", "recover", "--recovery-key", recoveryKey.path])
        #expect(recovered.status == 0, "\(recovered.stderr)")
        #expect(recovered.stdout.contains("epoch 3"))
        #expect(recovered.stdout.contains("\(fixture.home.appendingPathComponent("keys").path): restored"))

        let bob = fixture.root.url.appendingPathComponent("r-bob")
        try fixture.succeed(["restore", "--customer", "bob", "--to", bob.path])
        #expect(try Data(contentsOf: bob.appendingPathComponent("b.txt")) == Data("bob".utf8))
        #expect(try fixture.lethe(["restore", "--customer", "alice", "--to", fixture.root.url.appendingPathComponent("r-alice").path]).status == 4)
        #expect(try Self.ledgerDetails(fixture, kind: "keys.recovered").last?["source"] == "sealed escrow directory")

        let status = try #require(try JSONSerialization.jsonObject(with: Data(try fixture.succeed(["keys", "status", "--json"]).utf8)) as? [String: Any])
        #expect(status["healthy"] as? Bool == true)
        let escrow = try #require(status["escrow"] as? [String: Any])
        #expect((escrow["recovery_key_fingerprint"] as? String)?.count == 32)
        let directory = try #require((escrow["directories"] as? [[String: Any]])?.first)
        #expect(directory["path"] as? String == vault.path)
        #expect(directory["readable"] as? Bool == true)
        #expect(directory["newest_sealed_epoch"] as? Int == 3)
        #expect(directory["holds_current_epoch"] as? Bool == true)
        #expect(try fixture.succeed(["keys", "status"]).contains("\(vault.path): ok (epoch 3 sealed)"))
    }

    /// Last week's sealed escrow (copied aside before a shred), the recovery key and last week's
    /// host backup of the home: the key directories, then the escrow directory, witness the
    /// newer epoch and refuse it; with every directory gone, nothing opens without --accept-epoch.
    @Test func aPreShredSealedEscrowWithAnOldKeyStoreIsRefused() throws {
        let (fixture, vault, recoveryKey) = try Self.escrowedHome()
        let oldSealed = fixture.root.url.appendingPathComponent("kek-000001.sealed.copy")
        try FileManager.default.copyItem(at: vault.appendingPathComponent("kek-000001.sealed"), to: oldSealed)
        try fixture.takeHostBackup()
        fixture.environment["LETHE_NOW"] = "2026-11-02T00:00:00Z"
        try fixture.succeed(["shred", "--customer", "alice", "--request", "GDPR-1", "--yes"])
        try fixture.restoreHostBackup()
        let recover = ["keys", "recover", "--recovery-key", recoveryKey.path, "--sealed-escrow", oldSealed.path]
        let keys = fixture.home.appendingPathComponent("keys")

        let byKeyDirectory = try fixture.lethe(recover)
        #expect(byKeyDirectory.status == 3, "\(byKeyDirectory.stderr)")
        #expect(byKeyDirectory.stderr.contains("has seen epoch 2"))

        try FileManager.default.removeItem(at: keys)
        let byEscrowDirectory = try fixture.lethe(recover)
        #expect(byEscrowDirectory.status == 3, "\(byEscrowDirectory.stderr)")
        #expect(byEscrowDirectory.stderr.contains("\(vault.path) has seen epoch 2"))
        #expect(!FileManager.default.fileExists(atPath: keys.path))

        try FileManager.default.removeItem(at: vault)
        let unwitnessed = try fixture.lethe(recover)
        #expect(unwitnessed.status == 3, "\(unwitnessed.stderr)")
        #expect(unwitnessed.stderr.contains("--accept-epoch 1"))
        #expect(!FileManager.default.fileExists(atPath: keys.path))
        #expect(!FileManager.default.fileExists(atPath: vault.path))
        let restore = try fixture.lethe(["restore", "--customer", "alice", "--to", fixture.root.url.appendingPathComponent("r-alice").path])
        #expect(restore.status != 0)
        #expect(!FileManager.default.fileExists(atPath: fixture.root.url.appendingPathComponent("r-alice").path))
    }

    @Test func withEveryDirectoryLostRecoveryNeedsTheEpochAcceptedByNameAndLedgersIt() throws {
        let (fixture, vault, recoveryKey) = try Self.escrowedHome()
        try fixture.succeed(["shred", "--customer", "alice", "--request", "GDPR-1", "--yes"])
        let offline = fixture.root.url.appendingPathComponent("offline-kek-000002.sealed")
        try FileManager.default.copyItem(at: vault.appendingPathComponent("kek-000002.sealed"), to: offline)
        try FileManager.default.removeItem(at: fixture.home.appendingPathComponent("keys"))
        try FileManager.default.removeItem(at: vault)
        let recover = ["keys", "recover", "--recovery-key", recoveryKey.path, "--sealed-escrow", offline.path]

        let refused = try fixture.lethe(recover)
        #expect(refused.status == 3)
        #expect(refused.stderr.contains("--accept-epoch 2"))
        #expect(try fixture.lethe(recover + ["--accept-epoch", "1"]).status == 3)
        #expect(!FileManager.default.fileExists(atPath: fixture.home.appendingPathComponent("keys").path))

        let accepted = try fixture.lethe(recover + ["--accept-epoch", "2"])
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(accepted.stdout.contains("accepted on your word"))
        #expect(accepted.stdout.contains("\(vault.path): sealed escrow restored"))
        #expect(try Self.sealedFiles(vault) == ["kek-000002.sealed"])
        let event = try #require(try Self.ledgerDetails(fixture, kind: "keys.recovered").last)
        #expect(event["accepted_epoch"] == "2")
        #expect(event["source"] == "sealed escrow file")
        let bob = fixture.root.url.appendingPathComponent("r-bob")
        try fixture.succeed(["restore", "--customer", "bob", "--to", bob.path])
        #expect(try fixture.lethe(["restore", "--customer", "alice", "--to", fixture.root.url.appendingPathComponent("r-alice").path]).status == 4)
    }

    /// A shred killed after the new KEK was written and sealed but before the epoch committed
    /// leaves a stray newer sealed file: recovery opens the key store's epoch's instead, and the
    /// next shred finishes the rotation, leaving one sealed file again.
    @Test func recoveryPassesOverASealedFileOfAnEpochThatNeverCommitted() throws {
        let (fixture, vault, recoveryKey) = try Self.escrowedHome()
        let killed = try fixture.killedShred("alice", request: "GDPR-1", at: "after-rotate-write")
        #expect(killed.status != 0)
        #expect(try Self.sealedFiles(vault) == ["kek-000001.sealed", "kek-000002.sealed"])
        try FileManager.default.removeItem(at: fixture.home.appendingPathComponent("keys"))
        let recovered = try fixture.lethe(["keys", "recover", "--recovery-key", recoveryKey.path])
        #expect(recovered.status == 0, "\(recovered.stderr)")
        #expect(recovered.stdout.contains("epoch 1"))
        let again = try fixture.lethe(["shred", "--customer", "alice", "--request", "GDPR-1", "--yes"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try Self.sealedFiles(vault) == ["kek-000002.sealed"])  // the lost key directory took the stray key file with it
        #expect(try fixture.lethe(["restore", "--customer", "alice", "--to", fixture.root.url.appendingPathComponent("r-alice").path]).status == 4)
        try fixture.succeed(["restore", "--customer", "bob", "--to", fixture.root.url.appendingPathComponent("r-bob").path])
    }

    @Test func theRawEscrowNeedsRawAndLaterShredReceiptsListItAsOutstanding() throws {
        let fixture = try CLIFixture(customers: Self.customers)
        try fixture.succeed(["backup"])
        #expect(try fixture.succeed(["keys", "status"]).contains("Sealed escrow: not set up"))
        let explained = try fixture.lethe(["keys", "escrow"])
        #expect(explained.status == 64)
        #expect(explained.stdout.isEmpty)
        #expect(explained.stderr.contains("sealed escrow") && explained.stderr.contains("--raw"))

        let raw = try fixture.lethe(["keys", "escrow", "--raw"])
        #expect(raw.status == 0)
        #expect(raw.stdout.hasPrefix("lethe-kek-v1 epoch=1 "))
        #expect(try Self.ledgerDetails(fixture, kind: "keys.escrow_raw").map { $0["epoch"] } == ["1"])

        let receipt = try fixture.lethe(["shred", "--customer", "alice", "--request", "GDPR-1", "--yes", "--json"])
        #expect(receipt.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(receipt.stdout.utf8)) as? [String: Any])
        #expect(object["outstanding_raw_escrows"] as? [Int] == [1])
        let text = try fixture.succeed(["shred", "--customer", "bob", "--request", "GDPR-2", "--yes"])
        #expect(text.contains("the raw escrow of epoch 1 is outstanding — destroy it"))

        // Once destroyed, the operator records it: later receipts no longer list it. Only an
        // epoch that was printed raw, and is no longer current, can be recorded destroyed.
        #expect(try fixture.lethe(["keys", "escrow", "--destroyed", "7"]).status == 64)
        let destroyed = try fixture.lethe(["keys", "escrow", "--destroyed", "1"])
        #expect(destroyed.status == 0, "\(destroyed.stderr)")
        #expect(try Self.ledgerDetails(fixture, kind: "keys.escrow_raw_destroyed").map { $0["epoch"] } == ["1"])
        let later = try fixture.lethe(["shred", "--customer", "carol", "--request", "GDPR-3", "--yes", "--not-yet-backed-up", "--json"])
        #expect(later.status == 0, "\(later.stderr)")
        let laterObject = try #require(try JSONSerialization.jsonObject(with: Data(later.stdout.utf8)) as? [String: Any])
        #expect((laterObject["outstanding_raw_escrows"] as? [Int] ?? []) == [])
    }

    @Test func initChecksTheRecoveryKeyAndEscrowDirectories() throws {
        let fixture = try CLIFixture(customers: Self.customers)
        let root = fixture.root.url
        func initialise(_ name: String, _ arguments: [String]) throws -> LetheProcess.Result {
            try LetheProcess.run(["init", "--home", root.appendingPathComponent(name).path, "--source", fixture.source.path] + arguments,
                                 environment: fixture.environment)
        }
        let existing = root.appendingPathComponent("existing.key")
        try Data("keep me".utf8).write(to: existing)
        let refused = try initialise("h1", ["--recovery-key-out", existing.path, "--escrow-dir", root.appendingPathComponent("v1").path])
        #expect(refused.status == 1)
        #expect(try Data(contentsOf: existing) == Data("keep me".utf8))
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("h1").path))
        let inside = try initialise("h2", ["--recovery-key-out", root.appendingPathComponent("k2").path,
                                           "--escrow-dir", fixture.source.appendingPathComponent("vault").path])
        #expect(inside.status == 64)
        #expect(inside.stderr.contains("inside the source tree"))
        #expect(try initialise("h3", ["--escrow-dir", root.appendingPathComponent("v3").path]).status == 64)

        let generated = try initialise("h4", ["--recovery-key-out", root.appendingPathComponent("k4").path, "--escrow-dir", root.appendingPathComponent("v4").path])
        #expect(generated.status == 0, "\(generated.stderr)")
        #expect(generated.stderr.contains("move it OFFLINE"))
        let configuration = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("h4/lethe.json"))) as? [String: Any])
        let publicKey = try #require(configuration["recovery_public_key"] as? String)
        #expect(publicKey.hasPrefix("lethe-recovery-public-v1:"))
        #expect(!(try String(contentsOf: root.appendingPathComponent("h4/lethe.json"), encoding: .utf8)).contains("private"))
        // Bring your own: the same public key for a second home.
        let ownKey = root.appendingPathComponent("recovery.pub")
        try (publicKey + "\n").write(to: ownKey, atomically: true, encoding: .utf8)
        let own = try initialise("h5", ["--recovery-public-key", ownKey.path, "--escrow-dir", root.appendingPathComponent("v5").path])
        #expect(own.status == 0, "\(own.stderr)")
        #expect(try Self.sealedFiles(root.appendingPathComponent("v5")) == ["kek-000001.sealed"])
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("v5/CACHEDIR.TAG").path))
        // One escrow directory per home: the witness and the file names would collide.
        let shared = try initialise("h6", ["--recovery-public-key", ownKey.path, "--escrow-dir", root.appendingPathComponent("v5").path])
        #expect(shared.status == 64)
        #expect(shared.stderr.contains("already serves a home"))
    }
}
