import Foundation
import LetheCatalog
import LetheCore
import LetheJobs
import LetheTestSupport
import Testing

@Suite struct ShredJobTests {
    /// The ledger records a shred with pseudonym, request, time, destroyed key id and the
    /// unreadable copies per location and delete-by date, then the epoch change; never the id.
    @Test func theLedgerRecordsTheShredAndTheEpochChange() throws {
        let fixture = try JobFixture(customers: ["alice-0042": ["a.txt": Array("alice".utf8)], "bob": ["b.txt": Array("bob".utf8)]])
        _ = try BackupJob(home: fixture.home()).run()
        fixture.clock.advance(by: 86_400)
        _ = try BackupJob(home: fixture.home()).run()
        let alice = CustomerID("alice-0042")!
        let keys = try #require(try fixture.home().keys.keys(for: alice))

        fixture.clock.advance(by: 3_600)
        let receipt = try ShredJob(home: fixture.home()).run(customer: alice, request: "TICKET-17")
        #expect(receipt.complete)
        #expect(receipt.pseudonym == keys.pseudonym.rawValue)
        #expect(receipt.destroyedKey == keys.key.id.rawValue)
        #expect(receipt.shreddedAt == Timestamp.iso(fixture.clock.now()))
        #expect(receipt.unreadable.count == 1)
        #expect(receipt.unreadable.first?.copies == 2)
        #expect(receipt.unreadable.first?.deleteBy.map(\.copies).reduce(0, +) == 2)

        let ledger = try fixture.home().catalog.ledger()
        let shred = try #require(ledger.first { $0.kind == "customer.shredded" })
        #expect(shred.details["pseudonym"] == keys.pseudonym.rawValue)
        #expect(shred.details["request"] == "TICKET-17")
        #expect(shred.details["destroyed_key"] == keys.key.id.rawValue)
        #expect(shred.details["copies.local"] == "2")
        #expect(shred.details["delete_by.local"]?.isEmpty == false)
        #expect(!shred.details.values.contains { $0.contains("alice") })
        let rotation = try #require(ledger.first { $0.kind == "keys.rotated" })
        #expect(rotation.details["from_epoch"] == "1")
        #expect(rotation.details["to_epoch"] == "2")
        #expect(rotation.details["complete"] == "yes")
        #expect(rotation.sequence > shred.sequence)
        #expect(try fixture.home().catalog.verifyLedger().isIntact)

        // Her copies are recorded shredded; bob's are untouched and still restore.
        let copies = try Inventory(home: fixture.home()).copies()
        #expect(copies.filter { $0.pseudonym == keys.pseudonym.rawValue }.map(\.state) == ["shredded", "shredded"])
        #expect(copies.filter { $0.pseudonym != keys.pseudonym.rawValue }.allSatisfy { $0.state == "live" })
        _ = try RestoreJob(home: fixture.home()).run(customer: CustomerID("bob")!, set: nil, from: nil,
                                                      to: fixture.root.url.appendingPathComponent("rb"))
        for line in fixture.logLines { #expect(!line.contains("alice")) }
    }

    /// After a shred: export and restore refuse with the date and request, and the next backup
    /// skips her folder and reports it; she is never keyed again.
    @Test func afterAShredNothingIsReadOrWrittenForTheCustomerAgain() throws {
        let fixture = try JobFixture(customers: ["alice": ["a.txt": Array("alice".utf8)], "bob": ["b.txt": Array("bob".utf8)]])
        _ = try BackupJob(home: fixture.home()).run()
        let alice = CustomerID("alice")!
        _ = try ShredJob(home: fixture.home()).run(customer: alice, request: "R-1")
        let out = fixture.root.url.appendingPathComponent("alice.zip")
        do {
            _ = try ExportJob(home: fixture.home()).run(customer: alice, set: nil, to: out, format: .zip)
            Issue.record("exported a shredded customer")
        } catch JobError.customerShredded(let date, let request) {
            #expect(date == fixture.clock.now())
            #expect(request == "R-1")
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.root.url.path).sorted() == ["home", "source"])

        fixture.clock.advance(by: 86_400)
        let outcome = try BackupJob(home: fixture.home()).run()
        #expect(outcome.state == .partial)
        #expect(outcome.customers.map(\.status.rawValue).sorted() == ["committed", "shredded"])
        #expect(try fixture.home().keys.status().customers == 1)
        #expect(try fixture.home().keys.status().shreddedCustomers == 1)
    }

    /// Rotation on demand re-wraps every customer and expiry key: everything still restores,
    /// and only the newest epoch's key file is left.
    @Test func rotationKeepsEverythingReadable() throws {
        let fixture = try JobFixture(customers: ["alice": ["a.txt": Array("alice".utf8)], "bob": ["b.txt": Array("bob".utf8)]])
        _ = try BackupJob(home: fixture.home()).run()
        fixture.clock.advance(by: 86_400)
        _ = try BackupJob(home: fixture.home()).run()
        for expected in 2...3 {
            let outcome = try KeysJob(home: fixture.home()).rotate()
            #expect(outcome.complete)
            #expect(outcome.rotation?.toEpoch == expected)
            #expect(outcome.rotation?.rewrappedKeys == 2 + 2 + 1 + 1) // customers, expiry keys, lookup key, report-signing key
        }
        let keyFiles = try keyDirectoryFiles(fixture.homeURL.appendingPathComponent("keys"))
        #expect(keyFiles == ["kek-000003.key"])
        for set in try fixture.home().catalog.sets() {
            let target = fixture.root.url.appendingPathComponent("r-\(set.id)")
            _ = try RestoreJob(home: fixture.home()).run(customer: CustomerID("alice")!, set: set.id, from: nil, to: target)
            #expect(try Data(contentsOf: target.appendingPathComponent("a.txt")) == Data("alice".utf8))
        }
        let escrow = try KeysJob(home: fixture.home()).escrow()
        #expect(escrow.epoch == 3)
        #expect(escrow.text(base64: false).hasPrefix("lethe-kek-v1 epoch=3 id=\(escrow.kekID.rawValue) key="))
    }

    /// A shredded customer's copies are unreadable at once; their bytes still go from the
    /// store on their delete-by, like every other copy's.
    @Test func shreddedCopiesArePhysicallyDeletedOnTheirDeleteBy() throws {
        let fixture = try JobFixture(customers: ["alice": ["a.txt": Array("alice".utf8)], "bob": ["b.txt": Array("bob".utf8)]])
        _ = try BackupJob(home: fixture.home()).run()
        let receipt = try ShredJob(home: fixture.home()).run(customer: CustomerID("alice")!, request: "REQ-9")
        let pseudonym = try #require(receipt.pseudonym)
        let shredded = try fixture.home().catalog.copies(pseudonym: Pseudonym(pseudonym))
        #expect(shredded.count == 1 && shredded[0].state == .shredded)
        #expect(FileManager.default.fileExists(atPath: fixture.store.appendingPathComponent(shredded[0].objectKey.rawValue).path))

        fixture.clock.set(shredded[0].deleteBy.addingTimeInterval(60))
        let outcome = try ExpireJob(home: fixture.home()).run()
        #expect(outcome.state == .complete)
        #expect(!FileManager.default.fileExists(atPath: fixture.store.appendingPathComponent(shredded[0].objectKey.rawValue).path))
        #expect(try fixture.home().catalog.copies(pseudonym: Pseudonym(pseudonym)).map(\.state) == [.deleted])
    }
}
