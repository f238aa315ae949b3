import Foundation
import LetheCore
import LetheCrypto
import LetheKeys
import LetheTestSupport
import Testing

/// The sealed escrow in the key store (issue 10, "recovery without resurrection"): every
/// rotation seals the new KEK into every escrow directory before it commits and destroys the
/// previous sealed file after, so an escrow directory never holds a key older than the last shred.
@Suite struct SealedEscrowTests {
    let root: TemporaryDirectory
    let primary: KeyDirectory
    let recovery = RecoveryPrivateKey.generate()
    let escrow: SealedEscrow
    var path: URL { root.url.appendingPathComponent("keystore.sqlite") }

    init() throws {
        root = try TemporaryDirectory(prefix: "lethe-sealed")
        primary = KeyDirectory(url: root.url.appendingPathComponent("keys"))
        escrow = SealedEscrow(recipient: recovery.publicKey, directories: [
            EscrowDirectory(url: root.url.appendingPathComponent("vault-a")), EscrowDirectory(url: root.url.appendingPathComponent("vault-b"))])
    }

    @Test func theSealedEscrowFollowsEveryRotation() throws {
        let store = try KeyStore.create(path: path, directories: [primary], escrow: escrow)
        for directory in escrow.directories {
            #expect(try directory.epochs() == [1])
            #expect(FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("CACHEDIR.TAG").path))
            #expect(try directory.open(epoch: 1, with: recovery) == store.currentKEKForEscrow().key)
        }
        try store.rotate()
        try store.rotate()
        let (epoch, kek) = try store.currentKEKForEscrow()
        #expect(epoch == 3)
        for directory in escrow.directories {
            #expect(try directory.epochs() == [3])
            #expect(try directory.open(epoch: 3, with: recovery) == kek)
            #expect(EpochWitness.newest(in: directory.url) == 3)
            let size = try FileManager.default.attributesOfItem(atPath: directory.url.appendingPathComponent("kek-000003.sealed").path)[.size] as? Int
            #expect(size == 112)
        }
        #expect(try store.status().escrow?.isCurrent == true)
        #expect(try store.status().escrow?.recoveryKeyFingerprint == recovery.publicKey.fingerprint)
        // Another recovery key opens nothing.
        #expect(throws: KeyStoreError.self) { _ = try escrow.directories[0].open(epoch: 3, with: RecoveryPrivateKey.generate()) }
    }

    @Test func anUnreachableEscrowDirectoryStopsTheRotationBeforeItCommits() throws {
        let store = try KeyStore.create(path: path, directories: [primary], escrow: escrow)
        _ = try store.keysCreatingIfNeeded(for: CustomerID("alice")!, now: Date())
        _ = try store.markShredded(CustomerID("alice")!, request: "R", now: Date())
        let vault = escrow.directories[1].url
        let away = root.url.appendingPathComponent("vault-b-unplugged")
        try FileManager.default.moveItem(at: vault, to: away)
        #expect {
            try store.rotate()
        } throws: { error in
            guard case .escrowDirectoryUnavailable(let where_, _) = error as? KeyStoreError else { return false }
            return where_ == vault.path
        }
        #expect(store.epoch == 1)
        #expect(!FileManager.default.fileExists(atPath: vault.path))
        #expect(try store.owedRotation() != nil)
        #expect(try store.status().isHealthy == false)

        try FileManager.default.moveItem(at: away, to: vault)
        let report = try store.rotate()
        // Epoch 2 was written (key file, vault-a) but never committed: the next epoch is 3, and
        // the strays are destroyed with the old epoch.
        #expect(report.isComplete && report.toEpoch == 3)
        #expect(try escrow.directories.map { try $0.epochs() } == [[3], [3]])
        #expect(try primary.epochs() == [3])
        #expect(try store.owedRotation() == nil)
    }
}
