import Foundation
import LetheCore
import LetheCrypto
import LetheKeys
import LetheTestSupport
import Testing

/// The KEK's epochs in the key store itself: rotation (what survives a crash or an unreachable
/// key directory, here) and recovery from escrow (`KeyRecoveryTests.swift`).
@Suite struct KeyEpochTests {
    let root: TemporaryDirectory
    let primary: KeyDirectory
    let mirror: KeyDirectory
    var path: URL { root.url.appendingPathComponent("keystore.sqlite") }

    init() throws {
        root = try TemporaryDirectory(prefix: "lethe-epochs")
        primary = KeyDirectory(url: root.url.appendingPathComponent("keys"))
        mirror = KeyDirectory(url: root.url.appendingPathComponent("mirror"))
    }

    @Test func aHalfWrittenKeyFileFromADeadRotationDoesNotBlockTheNext() throws {
        let store = try KeyStore.create(path: path, directories: [primary, mirror])
        let alice = try store.keysCreatingIfNeeded(for: CustomerID("alice")!, now: Date())
        // A rotation that died while writing epoch 2's file into the mirror.
        let leftover = mirror.url.appendingPathComponent(".tmp-kek-000002.key")
        try Data(repeating: 7, count: 32).write(to: leftover)

        let report = try store.rotate()
        #expect(report.isComplete)
        #expect(report.toEpoch == 2)
        #expect(!FileManager.default.fileExists(atPath: leftover.path))
        #expect(try primary.epochs() == [2])
        #expect(try mirror.epochs() == [2])
        #expect(try KeyStore(path: path, directories: [mirror]).customerKey(for: alice.pseudonym) == alice.key)
        #expect(try store.owedRotation() == nil)
    }

    @Test func anUnreachableMirrorStopsTheRotationBeforeItCommits() throws {
        let store = try KeyStore.create(path: path, directories: [primary, mirror])
        let alice = try store.keysCreatingIfNeeded(for: CustomerID("alice")!, now: Date())
        let away = root.url.appendingPathComponent("mirror-away")
        try FileManager.default.moveItem(at: mirror.url, to: away)
        #expect(throws: KeyStoreError.self) { try store.rotate() }
        #expect(store.epoch == 1)
        #expect(try store.status().directories.map(\.readable) == [true, false])
        #expect(try store.status().isHealthy == false)
        // Nothing changed: the old epoch still opens everything, from either directory.
        try FileManager.default.moveItem(at: away, to: mirror.url)
        #expect(try KeyStore(path: path, directories: [mirror]).customerKey(for: alice.pseudonym) == alice.key)
        let report = try store.rotate()
        #expect(report.isComplete && report.toEpoch == 2)
    }

    @Test func aCrashAfterTheCommitLeavesTheRotationOwedUntilTheNext() throws {
        let store = try KeyStore.create(path: path, directories: [primary, mirror])
        let alice = try store.keysCreatingIfNeeded(for: CustomerID("alice")!, now: Date())
        _ = try store.markShredded(CustomerID("alice")!, request: "R", now: Date())
        #expect(try store.owedRotation() != nil)
        #expect(try store.pendingShreds().map(\.pseudonym) == [alice.pseudonym])
        try store.shredRecorded(alice.pseudonym)
        #expect(try store.pendingShreds().isEmpty)

        // Simulate the crash: the old key file survives in the mirror after the commit.
        let oldKEK = try mirror.readKey(epoch: 1)
        let report = try store.rotate()
        try oldKEK.withUnsafeBytes { bytes in try Data(bytes).write(to: mirror.url.appendingPathComponent("kek-000001.key")) }
        #expect(report.toEpoch == 2)
        let reopened = try KeyStore(path: path, directories: [primary, mirror])
        #expect(try reopened.owedRotation()?.contains("another epoch") == true)
        #expect(try reopened.status().directories.last?.otherEpochs == [1])
        _ = try reopened.rotate()
        #expect(try reopened.owedRotation() == nil)
        #expect(try mirror.epochs() == [3])
    }
}
