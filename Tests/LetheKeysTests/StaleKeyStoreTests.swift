import Foundation
import LetheTestSupport
import LetheCatalog
import LetheCore
import LetheCrypto
import LetheJobs
import LetheKeys
import Testing

/// Invariant 6: after a shred, nothing that still exists can decrypt the customer, not even a
/// copy of the key store taken before the shred; and nothing of their key is left in any file.
@Suite struct StaleKeyStoreTests {
    static let customers: [String: [String: [UInt8]]] = [
        "alice-3141-customer": ["notes.txt": Array("alice's notes".utf8), "data/blob.bin": randomBytes(200_000, seed: 1)],
        "bob-2718-customer": ["b.txt": Array("bob".utf8), "big.bin": randomBytes(100_000, seed: 2)],
        "carol-1618-customer": ["c/d/e.txt": Array("carol".utf8)],
    ]
    let alice = CustomerID("alice-3141-customer")!

    @Test func aStaleKeyStoreWithTheLiveKeyDirectoriesDecryptsNothingOfAShreddedCustomer() throws {
        let fixture = try ShredFixture(customers: Self.customers)
        try fixture.backUp()
        try fixture.backUp()
        let pseudonym = try #require(try fixture.home().keys.keys(for: alice)).pseudonym
        #expect(try fixture.home().catalog.copies(pseudonym: pseudonym).count == 2)

        let stale = fixture.root.url.appendingPathComponent("stale")
        try fixture.copyKeyMaterial(to: stale)
        let receipt = try ShredJob(home: fixture.home()).run(customer: alice, request: "REQ-1")
        #expect(receipt.complete)
        #expect(receipt.status == .shredded)
        #expect(receipt.unreadable.map(\.copies) == [2])

        // The live home refuses, and has no key for the pseudonym.
        let home = try fixture.home()
        #expect(throws: KeyStoreError.self) { try home.keys.customerKey(for: pseudonym) }
        do {
            _ = try RestoreJob(home: home).run(customer: alice, set: nil, from: nil, to: fixture.root.url.appendingPathComponent("r-live"))
            Issue.record("the live home restored a shredded customer")
        } catch JobError.customerShredded(_, let request) {
            #expect(request == "REQ-1")
        }

        // The stale key store's wrapped customer key unwraps under no KEK file that still exists.
        let (wrapped, staleEpoch, context) = try #require(try ShredFixture.wrappedCustomerKey(in: stale.appendingPathComponent("keystore.sqlite"), pseudonym: pseudonym))
        let liveKEKs = try ShredFixture.kekFiles(in: fixture.keyDirectories)
        #expect(liveKEKs.count == fixture.keyDirectories.count)
        for (epoch, kek) in liveKEKs {
            for contextEpoch in Set([staleEpoch, epoch]) {
                #expect(throws: (any Error).self) {
                    try KeyWrap.unwrap(wrapped, under: kek, context: context(contextEpoch))
                }
            }
        }
        // Control: under the KEK the stale copy of the key directories still holds, it does
        // unwrap; so the attempts above would have found a surviving KEK.
        let staleKEKs = try ShredFixture.kekFiles(in: fixture.copiedKeyDirectories(in: stale))
        #expect(staleKEKs.contains { (try? KeyWrap.unwrap(wrapped, under: $0.key, context: context(staleEpoch))) != nil })
        #expect(!staleKEKs.contains { stale in liveKEKs.contains { $0.key == stale.key } })

        // A home assembled from the stale key store and the live key directories does not open.
        let staleWithLive = try fixture.assembleHome(named: "stale-live", from: stale, keyDirectories: fixture.keyDirectories)
        do {
            let opened = try fixture.home(at: staleWithLive)
            _ = try RestoreJob(home: opened).run(customer: alice, set: nil, from: nil, to: fixture.root.url.appendingPathComponent("r-stale"))
            Issue.record("a stale key store with the live key directories restored a shredded customer")
        } catch let error as KeyStoreError {
            // Refused by the key directories' epoch witness first; without it, by the missing KEK.
            switch error {
            case .olderThanWitnessed, .kekUnavailable: break
            default: Issue.record("unexpected \(error)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: fixture.root.url.appendingPathComponent("r-stale").path))

        // Control: the same assembly with the stale key directories opens and restores alice,
        // so the assembled home is sound and only the destroyed KEK stops it.
        let staleWithStale = try fixture.assembleHome(named: "stale-stale", from: stale, keyDirectories: fixture.copiedKeyDirectories(in: stale))
        let control = fixture.root.url.appendingPathComponent("r-control")
        _ = try RestoreJob(home: fixture.home(at: staleWithStale)).run(customer: alice, set: nil, from: nil, to: control)
        #expect(try Data(contentsOf: control.appendingPathComponent("notes.txt")) == Data("alice's notes".utf8))

        // Every other customer restores from the live home, from every set.
        for set in try home.catalog.sets() {
            for (name, files) in Self.customers where Array(name.utf8) != alice.bytes {
                let target = fixture.root.url.appendingPathComponent("r-\(name)-\(set.id)")
                _ = try RestoreJob(home: home).run(customer: CustomerID(name)!, set: set.id, from: nil, to: target)
                for (path, bytes) in files {
                    #expect(try [UInt8](Data(contentsOf: target.appendingPathComponent(path))) == bytes)
                }
            }
        }
    }

    @Test func noFileOfTheHomeHoldsTheShreddedKeyItsWrappingTheOldKEKOrThePseudonymMapping() throws {
        let fixture = try ShredFixture(customers: Self.customers)
        try fixture.backUp()
        let keys = try #require(try fixture.home().keys.keys(for: alice))
        let customerKey = keys.key.withUnsafeBytes { [UInt8]($0) }
        let pseudonym = keys.pseudonym
        let (wrapped, _, _) = try #require(try ShredFixture.wrappedCustomerKey(in: fixture.keyStore, pseudonym: pseudonym))
        let oldKEK = try [UInt8](Data(contentsOf: fixture.keyDirectories[0].appendingPathComponent("kek-000001.key")))
        // The search can find them before the shred.
        let keyStoreFiles = ShredFixture.files(under: [fixture.homeURL]).filter { $0.lastPathComponent.hasPrefix("keystore") }
        let before = try keyStoreFiles.map { try [UInt8](Data(contentsOf: $0)) }
        let wrappedFoundBefore = before.contains { $0.contains(bytes: wrapped) }
        let pseudonymFoundBefore = before.contains { $0.contains(bytes: Array(pseudonym.rawValue.utf8)) }
        #expect(wrappedFoundBefore)
        #expect(pseudonymFoundBefore)

        let receipt = try ShredJob(home: fixture.home()).run(customer: alice, request: "REQ-2")
        #expect(receipt.complete)

        let files = ShredFixture.files(under: [fixture.homeURL, fixture.mirror])
        #expect(files.contains { $0.lastPathComponent == "keystore.sqlite" })
        #expect(files.contains { $0.lastPathComponent == "catalog.sqlite" })
        for file in files {
            let bytes = try [UInt8](Data(contentsOf: file))
            let holdsKey = bytes.contains(bytes: customerKey), holdsWrapped = bytes.contains(bytes: wrapped)
            let holdsKEK = bytes.contains(bytes: oldKEK)
            let holdsPseudonym = file.lastPathComponent.hasPrefix("keystore") && bytes.contains(bytes: Array(pseudonym.rawValue.utf8))
            #expect(!holdsKey, "the customer key is in \(file.path)")
            #expect(!holdsWrapped, "the wrapped customer key is in \(file.path)")
            #expect(!holdsKEK, "the old KEK is in \(file.path)")
            #expect(!holdsPseudonym, "the key store still maps to the pseudonym in \(file.path)")
        }
        let wal = fixture.homeURL.appendingPathComponent("keystore.sqlite-wal")
        if FileManager.default.fileExists(atPath: wal.path) {
            #expect(try FileManager.default.attributesOfItem(atPath: wal.path)[.size] as? Int == 0)
        }
    }

    @Test func theCustomerIdIsInNoFileOfTheHomeAfterAShred() throws {
        let fixture = try ShredFixture(customers: Self.customers)
        try fixture.backUp()
        _ = try ExportJob(home: fixture.home()).run(customer: alice, set: nil, to: fixture.root.url.appendingPathComponent("export.tar"), format: .tar)
        let receipt = try ShredJob(home: fixture.home()).run(customer: alice, request: "REQ-3")
        #expect(receipt.complete)
        let again = try ShredJob(home: fixture.home()).run(customer: alice, request: "REQ-3b")
        #expect(again.status == .alreadyShredded)
        #expect(again.request == "REQ-3")

        let id = alice.bytes
        let files = ShredFixture.files(under: [fixture.homeURL, fixture.mirror])
        #expect(files.count > 5)
        for file in files {
            #expect(!file.path.contains(String(decoding: alice.bytes, as: UTF8.self)))
            let holdsID = try [UInt8](Data(contentsOf: file)).contains(bytes: id)
            #expect(!holdsID, "the customer id is in \(file.path)")
        }
        // The ledger records the shred with the pseudonym and request, never the id.
        let events = try fixture.home().catalog.ledger().filter { $0.kind == "customer.shredded" }
        #expect(events.count == 1)
        #expect(events.first?.details["request"] == "REQ-3")
        #expect(events.first?.details["copies.local"] == "1")
        #expect(try fixture.home().catalog.verifyLedger().isIntact)
    }
}
