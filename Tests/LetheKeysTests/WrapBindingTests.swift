import Foundation
import GRDB
import LetheCore
import LetheCrypto
import LetheJobs
@testable import LetheKeys
import LetheSQLite
import LetheTestSupport
import Testing

/// Every key-store row's wrap binds the row (its kind, lookup or date, pseudonym, key id, epoch):
/// a row altered or swapped by someone who can write the file but holds no key opens no more.
/// Stores written before (format 1) are upgraded once, in place, when the key authority opens them.
@Suite struct WrapBindingTests {
    static let customers: [String: [String: [UInt8]]] = [
        "alice": ["notes.txt": Array("alice's notes".utf8)],
        "bob": ["b.bin": randomBytes(20_000, seed: 7)],
    ]

    /// The associated data of docs/FORMAT.md "Key-store wraps", byte for byte.
    @Test func theBindingIsTheDocumentedBytes() {
        let lookup = Data(repeating: 0xab, count: 32)
        let customer = WrapBinding.customerKey(lookup: lookup, pseudonym: Pseudonym("pabc"), keyID: "0f", epoch: 258)
        let label = Array("lethe-keystore-wrap".utf8)
        #expect(customer == label + [0x02, 0x02, 0, 0, 0, 0, 0, 0, 0x01, 0x02]
            + [0x00, 0x20] + [UInt8](repeating: 0xab, count: 32) + [0x00, 0x04] + Array("pabc".utf8) + [0x00, 0x02] + Array("0f".utf8))
        let expiry = WrapBinding.expiryKey(day: 1_796_608_800, keyID: "0f", epoch: 1)
        #expect(expiry == label + [0x02, 0x03, 0, 0, 0, 0, 0, 0, 0, 0x01]
            + [0x00, 0x08, 0, 0, 0, 0, 0x6b, 0x16, 0x13, 0x20] + [0x00, 0x02] + Array("0f".utf8))
        #expect(WrapBinding.lookupKey(epoch: 1) == label + [0x02, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x01])
    }

    @Test func aRowWithAnotherRowsLookupDateOrKeyIDOpensNoMore() throws {
        let folder = try TemporaryDirectory(prefix: "lethe-wrap-binding")
        let path = folder.url.appendingPathComponent("keystore.sqlite")
        let directories = [KeyDirectory(url: folder.url.appendingPathComponent("keys"))]
        let store = try KeyStore.create(path: path, directories: directories)
        let alice = CustomerID("alice")!, bob = CustomerID("bob")!
        let now = Date(timeIntervalSince1970: 1_796_004_000)
        let aliceKey = try store.keysCreatingIfNeeded(for: alice, now: now).key
        _ = try store.keysCreatingIfNeeded(for: bob, now: now)
        let first = Date(timeIntervalSince1970: 1_796_608_800), second = Date(timeIntervalSince1970: 1_796_695_200)
        _ = try store.expiryKeyCreatingIfNeeded(deleteBy: first)
        _ = try store.expiryKeyCreatingIfNeeded(deleteBy: second)

        let queue = try DatabaseQueue(path: path.path)
        try queue.write { db in try Self.swapRows(db, first: first, second: second) }
        for customer in [alice, bob] {
            #expect { try store.keys(for: customer) } throws: { Self.isUnwrapFailed($0) }
        }
        for date in [first, second] {
            #expect { try store.expiryKey(deleteBy: date) } throws: { Self.isUnwrapFailed($0) }
        }
        // Swapped back, both open again; then a changed key id alone is refused.
        try queue.write { db in try Self.swapRows(db, first: first, second: second) }
        #expect(try store.keys(for: alice)?.key == aliceKey)
        _ = try store.expiryKey(deleteBy: first)
        try queue.write { db in
            try db.execute(sql: "UPDATE customers SET key_id = replace(key_id, substr(key_id, 1, 1), CASE substr(key_id, 1, 1) WHEN 'a' THEN 'b' ELSE 'a' END)")
        }
        #expect { try store.keys(for: alice) } throws: { Self.isUnwrapFailed($0) }
    }

    @Test func aStoreWrittenBeforeBoundWrapsIsUpgradedOnceAndStillRestores() throws {
        let fixture = try ShredFixture(customers: Self.customers)
        try fixture.backUp()
        try fixture.backUp()
        let kek = try #require(try ShredFixture.kekFiles(in: [fixture.keyDirectories[0]]).last?.key)
        try Self.writeAsBeforeBoundWraps(fixture.keyStore, kek: kek)
        let before = try Self.wraps(fixture.keyStore)
        #expect(try Self.meta(fixture.keyStore, "wrap_format") == nil)

        let home = try fixture.home()
        #expect(try Self.meta(fixture.keyStore, "wrap_format") == "2")
        let upgraded = try Self.wraps(fixture.keyStore)
        #expect(upgraded.count == before.count && upgraded.count == 2 + 2 + 1 + 1)  // customers, expiry keys, lookup key, signing key
        #expect(Set(upgraded.values).isDisjoint(with: Set(before.values)))
        #expect(try home.keys.owedRotation()?.contains("upgraded") == true)
        for set in try home.catalog.sets() {
            for (name, files) in Self.customers {
                let target = fixture.root.url.appendingPathComponent("r-\(name)-\(set.id)")
                _ = try RestoreJob(home: home).run(customer: CustomerID(name)!, set: set.id, from: nil, to: target)
                for (file, bytes) in files {
                    #expect(try [UInt8](Data(contentsOf: target.appendingPathComponent(file))) == bytes)
                }
            }
        }
        // Once: opening again changes nothing; a rotation clears the owed mark.
        _ = try fixture.home()
        #expect(try Self.wraps(fixture.keyStore) == upgraded)
        _ = try KeysJob(home: fixture.home()).rotate()
        #expect(try fixture.home().keys.owedRotation() == nil)
    }

    /// Swaps the lookups of the two customers' rows and the dates of the two expiry keys' rows.
    static func swapRows(_ db: Database, first: Date, second: Date) throws {
        let lookups = try Data.fetchAll(db, sql: "SELECT lookup FROM customers ORDER BY lookup")
        try #require(lookups.count == 2)
        try db.execute(sql: "UPDATE customers SET lookup = x'00' WHERE lookup = ?", arguments: [lookups[0]])
        try db.execute(sql: "UPDATE customers SET lookup = ? WHERE lookup = ?", arguments: [lookups[0], lookups[1]])
        try db.execute(sql: "UPDATE customers SET lookup = ? WHERE lookup = x'00'", arguments: [lookups[1]])
        let (a, b) = (Int64(first.timeIntervalSince1970), Int64(second.timeIntervalSince1970))
        try db.execute(sql: "UPDATE expiry_keys SET delete_by = -1 WHERE delete_by = ?", arguments: [a])
        try db.execute(sql: "UPDATE expiry_keys SET delete_by = ? WHERE delete_by = ?", arguments: [a, b])
        try db.execute(sql: "UPDATE expiry_keys SET delete_by = ? WHERE delete_by = -1", arguments: [b])
    }

    static func isUnwrapFailed(_ error: any Error) -> Bool {
        if case KeyStoreError.unwrapFailed = error { return true }
        return false
    }

    /// Every wrap in the key store, by table and row.
    static func wraps(_ path: URL) throws -> [String: Data] {
        try DatabaseQueue(path: path.path).read { db in
            var wraps: [String: Data] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT 'c' || hex(lookup) AS name, wrapped FROM customers UNION ALL
                SELECT 'e' || delete_by, wrapped FROM expiry_keys UNION ALL SELECT 's' || name, wrapped FROM secrets
                """) {
                wraps[row["name"]] = row["wrapped"]
            }
            return wraps
        }
    }

    static func meta(_ path: URL, _ name: String) throws -> String? {
        try DatabaseQueue(path: path.path).read { try String.fetchOne($0, sql: "SELECT value FROM meta WHERE name = ?", arguments: [name]) }
    }

    /// Rewrites every wrap of the key store as Lethe wrote them before wraps were bound to their
    /// rows (format 1: kind, pseudonym or date, and epoch as text; no `meta.wrap_format`).
    static func writeAsBeforeBoundWraps(_ path: URL, kek: SecretKey) throws {
        try DatabaseQueue(path: path.path).write { db in
            for row in try Row.fetchAll(db, sql: "SELECT lookup, pseudonym, key_id, wrapped, epoch FROM customers") {
                let lookup: Data = row["lookup"], pseudonym: String = row["pseudonym"], epoch: Int = row["epoch"]
                let key = try KeyWrap.unwrap([UInt8](row["wrapped"] as Data), under: kek, context: WrapBinding.customerKey(
                    lookup: lookup, pseudonym: Pseudonym(pseudonym), keyID: row["key_id"], epoch: epoch))
                let old = KeyWrap.wrap(key, under: kek, context: Array("lethe-ck|\(pseudonym)|\(epoch)".utf8))
                try db.execute(sql: "UPDATE customers SET wrapped = ? WHERE lookup = ?", arguments: [Data(old), lookup])
            }
            for row in try Row.fetchAll(db, sql: "SELECT delete_by, key_id, wrapped, epoch FROM expiry_keys WHERE wrapped IS NOT NULL") {
                let day: Int64 = row["delete_by"], epoch: Int = row["epoch"]
                let key = try KeyWrap.unwrap([UInt8](row["wrapped"] as Data), under: kek,
                                             context: WrapBinding.expiryKey(day: day, keyID: row["key_id"], epoch: epoch))
                let old = KeyWrap.wrap(key, under: kek, context: Array("lethe-ek|\(day)|\(epoch)".utf8))
                try db.execute(sql: "UPDATE expiry_keys SET wrapped = ? WHERE delete_by = ?", arguments: [Data(old), day])
            }
            let row = try #require(try Row.fetchOne(db, sql: "SELECT wrapped, epoch FROM secrets WHERE name = 'lookup'"))
            let epoch: Int = row["epoch"]
            let key = try KeyWrap.unwrap([UInt8](row["wrapped"] as Data), under: kek, context: WrapBinding.lookupKey(epoch: epoch))
            let old = KeyWrap.wrap(key, under: kek, context: Array("lethe-lookup|\(epoch)".utf8))
            try db.execute(sql: "UPDATE secrets SET wrapped = ? WHERE name = 'lookup'", arguments: [Data(old)])
            try db.execute(sql: "DELETE FROM meta WHERE name = 'wrap_format'")
        }
    }
}
