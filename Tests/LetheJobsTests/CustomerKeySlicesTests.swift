import Foundation
import LetheCore
@testable import LetheJobs
import LetheKeys
import Testing

/// A backup reads its customers' keys a slice at a time (one key-store read per slice): each
/// customer gets exactly what a read of its own gives, a customer with no key yet gets a new
/// one, and a customer shredded before its slice is read is refused as before.
@Suite struct CustomerKeySlicesTests {
    @Test func eachCustomerGetsItsOwnKeysAndAShreddedOneIsRefused() throws {
        let fixture = try JobFixture(customers: ["c1": ["a.txt": Array("one".utf8)], "c2": ["b.txt": Array("two".utf8)],
                                                 "c3": ["c.txt": Array("three".utf8)]])
        #expect(try BackupJob(home: fixture.home()).run().state == .complete)
        let home = try fixture.home()
        let (c1, c2, c3, c4) = (CustomerID("c1")!, CustomerID("c2")!, CustomerID("c3")!, CustomerID("c4")!)
        _ = try ShredJob(home: home).run(customer: c2, request: "REQ-9")
        let customers = [c1, c2, c3, c4, c1]
        let slices = CustomerKeySlices(store: home.keys, customers: customers, now: Date(), size: 2)
        for index in [0, 2, 4] {
            let keys = try slices.keys(at: index)
            let own = try #require(try home.keys.keys(for: customers[index]))
            #expect(keys.pseudonym == own.pseudonym && keys.key == own.key)
        }
        #expect {
            try slices.keys(at: 1)
        } throws: { error in
            guard case KeyStoreError.customerShredded(_, let request) = error else { return false }
            return request == "REQ-9"
        }
        // Never keyed before: created, as keysCreatingIfNeeded does.
        #expect(try home.keys.keys(for: c4) == nil)
        let created = try slices.keys(at: 3)
        #expect(try home.keys.keys(for: c4)?.pseudonym == created.pseudonym)
        // Taken once: a second ask reads the store again and gets the same keys.
        #expect(try slices.keys(at: 0).pseudonym == (try home.keys.keys(for: c1))?.pseudonym)
    }
}
