import Foundation
import GRDB
import LetheTestSupport
import Testing

/// Someone who can write `keystore.sqlite` (no key needed) swaps two customers' lookups: every
/// row's wrap binds its lookup, so the swapped rows no longer open. A shred of one customer never
/// destroys the other's key, and a restore never delivers the other customer's data (exit 3).
@Suite struct KeyStoreRowSwapTests {
    static let customers: [String: [String: [UInt8]]] = [
        "alice": ["a.txt": Array("alice's data".utf8)],
        "bob": ["b.txt": Array("bob's data".utf8)],
    ]

    /// Swaps the `lookup` columns of the two customers' rows, writing the SQLite file directly.
    static func swapLookups(_ fixture: CLIFixture, _ first: String, _ second: String) throws {
        let queue = try DatabaseQueue(path: fixture.home.appendingPathComponent("keystore.sqlite").path)
        try queue.write { db in
            let a = try #require(try Data.fetchOne(db, sql: "SELECT lookup FROM customers WHERE pseudonym = ?", arguments: [first]))
            let b = try #require(try Data.fetchOne(db, sql: "SELECT lookup FROM customers WHERE pseudonym = ?", arguments: [second]))
            try db.execute(sql: "UPDATE customers SET lookup = x'00' WHERE pseudonym = ?", arguments: [first])
            try db.execute(sql: "UPDATE customers SET lookup = ? WHERE pseudonym = ?", arguments: [a, second])
            try db.execute(sql: "UPDATE customers SET lookup = ? WHERE pseudonym = ?", arguments: [b, first])
        }
    }

    static func pseudonym(_ fixture: CLIFixture, _ customer: String) throws -> String {
        try #require(try fixture.copies(customer: customer).first?["pseudonym"] as? String)
    }

    /// Everything under a restored folder, path → bytes.
    static func tree(_ folder: URL) -> [String: Data] {
        var files: [String: Data] = [:]
        for case let url as URL in FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) ?? .init() {
            if let data = try? Data(contentsOf: url) { files[url.path.replacingOccurrences(of: folder.path + "/", with: "")] = data }
        }
        return files
    }

    @Test func restoreAfterALookupSwapFailsClosed() throws {
        let fixture = try CLIFixture(customers: Self.customers)
        try fixture.succeed(["backup"])
        try Self.swapLookups(fixture, try Self.pseudonym(fixture, "alice"), try Self.pseudonym(fixture, "bob"))

        for customer in ["alice", "bob"] {
            let target = fixture.root.url.appendingPathComponent("restored-\(customer)")
            let restore = try fixture.lethe(["restore", "--customer", customer, "--to", target.path])
            #expect(restore.status == 3, "restore \(customer): \(restore.stderr)")
            #expect(restore.stderr.contains("altered"))
            #expect(Self.tree(target).isEmpty, "restore \(customer) delivered \(Self.tree(target).keys.sorted())")
            let export = fixture.root.url.appendingPathComponent("\(customer).tar")
            #expect(try fixture.lethe(["export", "--customer", customer, "--out", export.path]).status == 3)
            #expect(!FileManager.default.fileExists(atPath: export.path))
        }
    }

    @Test func shredAfterALookupSwapNeverDestroysTheOtherCustomersKey() throws {
        let fixture = try CLIFixture(customers: Self.customers)
        try fixture.succeed(["backup"])
        let alice = try Self.pseudonym(fixture, "alice"), bob = try Self.pseudonym(fixture, "bob")
        try Self.swapLookups(fixture, alice, bob)

        let shred = try fixture.lethe(["shred", "--customer", "alice", "--request", "GDPR-1", "--yes"])
        #expect(shred.status == 3, "shred after the swap: \(shred.stderr)")
        #expect(shred.stderr.contains("altered"))
        // Alice is not readable through the tampered store.
        let target = fixture.root.url.appendingPathComponent("alice-after-shred")
        #expect(try fixture.lethe(["restore", "--customer", "alice", "--to", target.path]).status == 3)
        #expect(Self.tree(target).isEmpty)

        // Repaired (the swap undone), Bob's key is intact and Alice can be shredded for real.
        try Self.swapLookups(fixture, alice, bob)
        let bobTarget = fixture.root.url.appendingPathComponent("bob")
        try fixture.succeed(["restore", "--customer", "bob", "--to", bobTarget.path])
        #expect(Self.tree(bobTarget) == ["b.txt": Data("bob's data".utf8)])
        try fixture.succeed(["shred", "--customer", "alice", "--request", "GDPR-1", "--yes"])
        #expect(try fixture.lethe(["restore", "--customer", "alice", "--to", target.path]).status == 4)
        let bobAgain = fixture.root.url.appendingPathComponent("bob-again")
        try fixture.succeed(["restore", "--customer", "bob", "--to", bobAgain.path])
        #expect(Self.tree(bobAgain) == ["b.txt": Data("bob's data".utf8)])
    }
}
