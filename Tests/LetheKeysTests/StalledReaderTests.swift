import Foundation
import GRDB
import LetheCore
import LetheJobs
import LetheKeys
import LetheTestSupport
import Testing

/// A shred is immediate even while another process keeps a read transaction open on the key
/// store (a stuck `lethe list`, a backup tool reading the file, an operator's sqlite3 shell):
/// the WAL cannot be truncated then, and the shred must not wait for it. Before, each
/// truncation was retried 100 times behind the 30-second busy handler: the shred hung for as
/// long as the reader did (up to about 50 minutes). What the WAL still holds is a wrap under
/// the KEK the shred's rotation destroys, and the next checkpoint removes it.
@Suite(.timeLimit(.minutes(2))) struct StalledReaderTests {
    @Test func aShredCompletesWhileAReaderHoldsTheKeyStore() throws {
        let fixture = try ShredFixture(customers: ["alice": ["a.txt": Array("alice".utf8)], "bob": ["b.txt": Array("bob".utf8)]])
        try fixture.backUp()
        let holding = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let reader = try DatabaseQueue(path: fixture.keyStore.path)
        let thread = Thread {
            try? reader.read { db in
                _ = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM customers")
                holding.signal()
                release.wait()
            }
        }
        thread.start()
        holding.wait()
        defer { release.signal() }

        let receipt = try ShredJob(home: fixture.home()).run(customer: CustomerID("alice")!, request: "R-stalled")
        #expect(receipt.status == .shredded && receipt.complete, "\(receipt.incomplete ?? "")")
        #expect(try fixture.home().keys.tombstone(CustomerID("alice")!) != nil)
    }
}
