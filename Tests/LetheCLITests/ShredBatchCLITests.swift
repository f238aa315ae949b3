import Foundation
import LetheTestSupport
import Testing

/// `lethe shred --customers-from FILE`: ids off the command line, many customers, one rotation.
@Suite struct ShredBatchCLITests {
    static let customers: [String: [String: [UInt8]]] = [
        "alice": ["a.txt": Array("alice".utf8)],
        "bob": ["b.txt": Array("bob".utf8)],
        "carol": ["c.txt": Array("carol".utf8)],
        "caf\u{E9}": ["d.txt": Array("dave".utf8)],
    ]

    @Test func shredsEveryListedCustomerWithOneRotation() throws {
        let fixture = try CLIFixture(customers: Self.customers)
        try fixture.succeed(["backup"])
        let list = fixture.root.url.appendingPathComponent("erase.txt")
        try Data("alice\n\ncaf\u{E9}\nbob\n".utf8).write(to: list)

        let result = try fixture.lethe(["shred", "--customers-from", list.path, "--request", "GDPR-BATCH-1", "--yes", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let receipts = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(receipts.count == 3)
        #expect(receipts.allSatisfy { $0["status"] as? String == "shredded" && $0["complete"] as? Bool == true })
        // One rotation for the whole batch: epoch 1 -> 2, shown on every receipt.
        #expect(Set(receipts.compactMap { ($0["rotation"] as? [String: Any])?["to_epoch"] as? Int }) == [2])
        #expect(!result.stdout.contains("alice") && !result.stderr.contains("alice"))

        for customer in ["alice", "bob", "caf\u{E9}"] {
            let restore = try fixture.lethe(["restore", "--customer", customer, "--to", fixture.root.url.appendingPathComponent("r-\(customer.utf8.count)-\(customer.unicodeScalars.first!.value)").path])
            #expect(restore.status == 4)
        }
        try fixture.succeed(["restore", "--customer", "carol", "--to", fixture.root.url.appendingPathComponent("r-carol").path])
        // Standard input works too, and a second run is a no-op for each.
        let again = try fixture.lethe(["shred", "--customers-from", "-", "--request", "GDPR-BATCH-2", "--yes"], input: Array("alice\n".utf8))
        #expect(again.status == 0)
        #expect(again.stdout.contains("Already shredded"))
    }

    @Test func anUnknownIdRefusesTheWholeBatchBeforeDestroyingAnything() throws {
        let fixture = try CLIFixture(customers: Self.customers)
        try fixture.succeed(["backup"])
        let list = fixture.root.url.appendingPathComponent("erase.txt")
        try Data("alice\nmallory\nbob\n".utf8).write(to: list)

        let refused = try fixture.lethe(["shred", "--customers-from", list.path, "--request", "R", "--yes"])
        #expect(refused.status == 5)
        #expect(refused.stderr.contains("line 2"))
        #expect(!refused.stderr.contains("mallory"))
        #expect(try fixture.copies().allSatisfy { $0["state"] as? String == "live" })
        try fixture.succeed(["restore", "--customer", "alice", "--to", fixture.root.url.appendingPathComponent("ra").path])

        // Without --yes (the file cannot confirm), with --customer too, or an empty list: usage.
        #expect(try fixture.lethe(["shred", "--customers-from", list.path, "--request", "R"]).status == 64)
        #expect(try fixture.lethe(["shred", "--customers-from", list.path, "--customer", "bob", "--request", "R", "--yes"]).status == 64)
        try Data("\n".utf8).write(to: list)
        #expect(try fixture.lethe(["shred", "--customers-from", list.path, "--request", "R", "--yes"]).status == 64)
        #expect(try fixture.lethe(["shred", "--request", "R", "--yes"]).status == 64)
    }
}
