import Foundation
import LetheTestSupport
import Testing

/// Recovery without resurrection (issue 10, item 2): a home restored from last week's host
/// backup (key store and catalog from before a shred), with last week's escrow, must not come
/// back. The key directories (kept out of host backups) witness the newest epoch they have seen
/// and refuse an older key store and an older escrow. Before, `keys recover` checked the escrow
/// only against the key store it was given, accepted it, wrote the old KEK back, and the
/// shredded customer restored (exit 0).
@Suite struct EpochWitnessTests {
    static let customers: [String: [String: [UInt8]]] = ["alice": ["a.txt": Array("alice".utf8)], "bob": ["b.txt": Array("bob".utf8)]]

    @Test func aHomeRestoredFromBeforeAShredWithItsEscrowIsRefused() throws {
        let fixture = try CLIFixture(customers: Self.customers)
        try fixture.succeed(["backup"])
        let oldEscrow = fixture.root.url.appendingPathComponent("escrow-last-week.txt")
        try fixture.succeed(["keys", "escrow", "--raw"]).write(to: oldEscrow, atomically: true, encoding: .utf8)
        // Last week's host backup of the home (key directories excluded: they carry CACHEDIR.TAG).
        try fixture.takeHostBackup()

        fixture.environment["LETHE_NOW"] = "2026-11-02T00:00:00Z"
        try fixture.succeed(["shred", "--customer", "alice", "--request", "GDPR-1", "--yes"])

        // The home is "restored" from the host backup; the key directories are today's.
        try fixture.restoreHostBackup()
        let opened = try fixture.lethe(["restore", "--customer", "alice", "--to", fixture.root.url.appendingPathComponent("r-open").path])
        #expect(opened.status == 3, "\(opened.stderr)")
        #expect(opened.stderr.contains("epoch 1") && opened.stderr.contains("epoch 2"))

        let recovered = try fixture.lethe(["keys", "recover", "--escrow", oldEscrow.path])
        #expect(recovered.status == 3, "\(recovered.stdout) \(recovered.stderr)")
        #expect(try keyDirectoryFiles(fixture.home.appendingPathComponent("keys")).filter { $0.hasPrefix("kek-") } == ["kek-000002.key"])
        let restore = try fixture.lethe(["restore", "--customer", "alice", "--to", fixture.root.url.appendingPathComponent("r-alice").path])
        #expect(restore.status != 0)
        #expect(!FileManager.default.fileExists(atPath: fixture.root.url.appendingPathComponent("r-alice").path))
    }
}
