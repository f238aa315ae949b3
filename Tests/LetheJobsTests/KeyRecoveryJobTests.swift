import Foundation
import LetheCore
import LetheJobs
import LetheKeys
import LetheTestSupport
import Testing

/// Reading an escrow back, and `KeyRecovery` on a home whose key directories were lost.
@Suite struct KeyRecoveryJobTests {
    @Test(arguments: [false, true])
    func anEscrowReadsBackInEveryFormItIsWritten(base64: Bool) throws {
        let fixture = try JobFixture(customers: ["alice": ["a.txt": Array("alice".utf8)]])
        let escrow = try KeysJob(home: fixture.home()).escrow()
        for text in [escrow.text(base64: base64), escrow.json(base64: base64), "# vault copy\n\(escrow.text(base64: base64))\n\n"] {
            let read = try EscrowedKEK(escrow: text)
            #expect(read.epoch == escrow.epoch)
            #expect(read.kekID == escrow.kekID)
            #expect(read.text(base64: base64) == escrow.text(base64: base64))
        }
    }

    @Test func aMistypedOrForeignEscrowIsRefusedByName() throws {
        let fixture = try JobFixture(customers: ["alice": ["a.txt": Array("alice".utf8)]])
        let text = try KeysJob(home: fixture.home()).escrow().text(base64: false)
        let lastDigit = text.last!
        let mistyped = String(text.dropLast()) + (lastDigit == "0" ? "1" : "0")
        for (bad, reason) in [(mistyped, "does not match the fingerprint"), ("lethe-kek-v2 epoch=1 id=x key=00", "does not start with lethe-kek-v1"),
                              (text.replacingOccurrences(of: "epoch=1", with: "epoch=zero"), "no epoch"), ("{\"format\":\"other\"}", "not a lethe-kek-v1 JSON object")] {
            #expect {
                _ = try EscrowedKEK(escrow: bad)
            } throws: { error in
                guard case .invalidEscrow(let why) = error as? JobError else { return false }
                return why.contains(reason)
            }
        }
    }

    @Test func recoveryRecordsItselfInTheLedgerWithoutKeyBytes() throws {
        let fixture = try JobFixture(customers: ["alice": ["a.txt": Array("alice".utf8)]])
        _ = try BackupJob(home: fixture.home()).run()
        let escrow = try KeysJob(home: fixture.home()).escrow()
        let keys = fixture.homeURL.appendingPathComponent("keys")
        try FileManager.default.removeItem(at: keys)

        // The only key directory was the only witness: without it, the epoch must be accepted by name.
        #expect(throws: KeyStoreError.self) {
            _ = try KeyRecovery.recover(home: fixture.homeURL, source: .raw(escrow), clock: fixture.clock, log: EventLog(style: .silent))
        }
        let report = try KeyRecovery.recover(home: fixture.homeURL, source: .raw(escrow), acceptEpoch: 1, clock: fixture.clock,
                                             log: EventLog(style: .silent))
        #expect(report.restored == [keys.path])
        #expect(report.acceptedWithoutWitness)
        let home = try fixture.home()
        let event = try #require(try home.catalog.events(kinds: ["keys.recovered"]).last)
        #expect(event.details["epoch"] == "1")
        #expect(event.details["directories_restored"] == "1")
        #expect(event.details["kek_id"] == escrow.kekID.rawValue)
        #expect(event.details["accepted_epoch"] == "1")
        #expect(event.details["source"] == "raw escrow")
        let target = fixture.root.url.appendingPathComponent("restored")
        _ = try RestoreJob(home: home).run(customer: CustomerID("alice")!, set: nil, from: nil, to: target)
        #expect(try Data(contentsOf: target.appendingPathComponent("a.txt")) == Data("alice".utf8))
    }
}
