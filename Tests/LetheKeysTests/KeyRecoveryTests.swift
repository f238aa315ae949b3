import Foundation
import GRDB
import LetheCore
import LetheCrypto
import LetheKeys
import LetheTestSupport
import Testing

/// Putting an escrowed KEK back after the key directories were lost.
extension KeyEpochTests {
    func loseEveryKeyDirectory() throws {
        for directory in [primary, mirror] { try FileManager.default.removeItem(at: directory.url) }
    }

    @Test func theCurrentEscrowRestoresEveryLostKeyDirectory() throws {
        let store = try KeyStore.create(path: path, directories: [primary, mirror])
        let alice = try store.keysCreatingIfNeeded(for: CustomerID("alice")!, now: Date())
        let expiry = try store.expiryKeyCreatingIfNeeded(deleteBy: Date(timeIntervalSince1970: 1_800_000_000))
        try store.rotate()
        let (epoch, kek) = try store.currentKEKForEscrow()
        try loseEveryKeyDirectory()
        #expect(throws: KeyStoreError.self) { _ = try KeyStore(path: path, directories: [primary, mirror]) }

        // No directory is left to witness the newest epoch: the operator must accept it by name.
        #expect {
            _ = try KeyStore.recoverKEK(path: path, directories: [primary, mirror], escrowedKEK: kek, escrowedEpoch: epoch)
        } throws: { error in
            guard case .noWitness(epoch: 2) = error as? KeyStoreError else { return false }
            return "\(error)".contains("--accept-epoch 2")
        }
        #expect(!FileManager.default.fileExists(atPath: primary.url.path))
        #expect(throws: KeyStoreError.self) {
            _ = try KeyStore.recoverKEK(path: path, directories: [primary, mirror], escrowedKEK: kek, escrowedEpoch: epoch, acceptEpoch: 1)
        }
        let report = try KeyStore.recoverKEK(path: path, directories: [primary, mirror], escrowedKEK: kek, escrowedEpoch: epoch, acceptEpoch: 2)
        #expect(report.acceptedWithoutWitness)
        #expect(report.epoch == 2)
        #expect(report.verifiedKeys == 3)  // alice's key, one expiry key, the lookup key
        #expect(report.restored == [primary.url.path, mirror.url.path])
        #expect(report.failed.isEmpty)
        #expect(try primary.epochs() == [2])
        let reopened = try KeyStore(path: path, directories: [mirror])
        #expect(try reopened.customerKey(for: alice.pseudonym) == alice.key)
        #expect(try reopened.expiryKey(deleteBy: Date(timeIntervalSince1970: 1_800_000_000)) == expiry)
        let mode = try FileManager.default.attributesOfItem(atPath: mirror.url.appendingPathComponent("kek-000002.key").path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func aDirectoryThatStillHoldsTheKeyIsLeftAlone() throws {
        let store = try KeyStore.create(path: path, directories: [primary, mirror])
        let (epoch, kek) = try store.currentKEKForEscrow()
        try FileManager.default.removeItem(at: mirror.url)
        let report = try KeyStore.recoverKEK(path: path, directories: [primary, mirror], escrowedKEK: kek, escrowedEpoch: epoch)
        #expect(report.alreadyHeld == [primary.url.path])
        #expect(report.restored == [mirror.url.path])
    }

    @Test func anEscrowTakenBeforeARotationIsRefusedAndWritesNothing() throws {
        let store = try KeyStore.create(path: path, directories: [primary, mirror])
        _ = try store.keysCreatingIfNeeded(for: CustomerID("alice")!, now: Date())
        let (oldEpoch, oldKEK) = try store.currentKEKForEscrow()
        try store.rotate()
        try loseEveryKeyDirectory()
        #expect {
            _ = try KeyStore.recoverKEK(path: path, directories: [primary, mirror], escrowedKEK: oldKEK, escrowedEpoch: oldEpoch)
        } throws: { error in
            guard case .escrowStale(escrowed: 1, current: 2) = error as? KeyStoreError else { return false }
            return "\(error)".contains("keys were rotated since")
        }
        // Claiming the current epoch does not help: the fingerprint is checked too.
        #expect {
            _ = try KeyStore.recoverKEK(path: path, directories: [primary, mirror], escrowedKEK: oldKEK, escrowedEpoch: 2)
        } throws: { error in
            guard case .escrowMismatch(epoch: 2) = error as? KeyStoreError else { return false }
            return true
        }
        #expect(!FileManager.default.fileExists(atPath: primary.url.path))
        #expect(!FileManager.default.fileExists(atPath: mirror.url.path))
    }

    @Test func aKeyStoreWhoseStoredKeysDoNotOpenIsRefusedAndWritesNothing() throws {
        let store = try KeyStore.create(path: path, directories: [primary])
        let alice = try store.keysCreatingIfNeeded(for: CustomerID("alice")!, now: Date())
        let (epoch, kek) = try store.currentKEKForEscrow()
        let queue = try DatabaseQueue(path: path.path)
        try queue.write { db in
            let wrapped = try Data.fetchOne(db, sql: "SELECT wrapped FROM customers WHERE pseudonym = ?", arguments: [alice.pseudonym.rawValue])!
            var altered = [UInt8](wrapped)
            altered[40] ^= 0x01
            try db.execute(sql: "UPDATE customers SET wrapped = ? WHERE pseudonym = ?", arguments: [Data(altered), alice.pseudonym.rawValue])
        }
        try queue.close()
        try FileManager.default.removeItem(at: primary.url)
        #expect {
            _ = try KeyStore.recoverKEK(path: path, directories: [primary], escrowedKEK: kek, escrowedEpoch: epoch)
        } throws: { error in
            guard case .unwrapFailed("customer key") = error as? KeyStoreError else { return false }
            return true
        }
        #expect(!FileManager.default.fileExists(atPath: primary.url.path))
    }
}
