import Foundation
import GRDB
import LetheCore
import LetheKeys
import LetheSQLite
import LetheTestSupport
import Testing

/// A damaged key store file is `KeyStoreError.storeDamaged` (exit 3) naming the file and what
/// SQLite's `quick_check` says, never a trap and never a silent default.
@Suite struct KeyStoreDamageTests {
    let customer = CustomerID("customer-1")!

    /// A key store with one customer and one expiry key, its key directory, and its folder.
    func keyStore() throws -> (TemporaryDirectory, URL, [KeyDirectory]) {
        let folder = try TemporaryDirectory(prefix: "lethe-keystore-damage")
        let path = folder.url.appendingPathComponent("keystore.sqlite")
        let directories = [KeyDirectory(url: folder.url.appendingPathComponent("keys"))]
        let store = try KeyStore.create(path: path, directories: directories)
        _ = try store.keysCreatingIfNeeded(for: customer, now: Date(timeIntervalSince1970: 1_796_004_000))
        _ = try store.expiryKeyCreatingIfNeeded(deleteBy: Date(timeIntervalSince1970: 1_796_608_800))
        return (folder, path, directories)
    }

    static func alter(_ path: URL, _ sql: String) throws {
        let queue = try DatabaseQueue(path: path.path)
        try queue.write { try $0.execute(sql: sql) }
    }

    /// The damage a call reports, or nil if it did not throw `KeyStoreError.storeDamaged`.
    static func damage(_ body: () throws -> Void) -> SQLiteDamage? {
        do {
            try body()
            return nil
        } catch KeyStoreError.storeDamaged(let damage) {
            return damage
        } catch {
            Issue.record("expected KeyStoreError.storeDamaged, got \(error)")
            return nil
        }
    }

    @Test(arguments: [
        ("a pseudonym that is not one object-key part", "UPDATE customers SET pseudonym = '../other'", "customers.pseudonym"),
        ("a wrapped key of another type", "UPDATE customers SET wrapped = NULL", "customers.wrapped"),
    ])
    func aCustomerRowLetheNeverWroteIsDamage(what: String, sql: String, named: String) throws {
        let (folder, path, directories) = try keyStore()
        // The schema says NOT NULL: a zeroed record header still gives NULL, so drop the constraint.
        try Self.alter(path, """
            ALTER TABLE customers RENAME TO customers_old;
            CREATE TABLE customers (lookup BLOB PRIMARY KEY, pseudonym TEXT, key_id TEXT, wrapped BLOB, epoch INTEGER, created INTEGER);
            INSERT INTO customers SELECT * FROM customers_old;
            DROP TABLE customers_old;
            \(sql);
            """)
        let store = try KeyStore(path: path, directories: directories)
        let damage = try #require(Self.damage { _ = try store.keys(for: customer) }, "\(what)")
        #expect(damage.file == path)
        #expect(damage.quickCheck == "ok")
        #expect(damage.detail == "\(named) holds a value Lethe never writes")
        #expect("\(KeyStoreError.storeDamaged(damage))".contains("restore keystore.sqlite from your latest backup of the home taken since the last key rotation"))
        withExtendedLifetime(folder) {}
    }

    @Test func anEpochThatIsNotANumberIsDamageNotAMissingKey() throws {
        // It used to read as epoch 0, and then blame a key directory for missing that KEK.
        let (folder, path, directories) = try keyStore()
        try Self.alter(path, "UPDATE meta SET value = 'x1' WHERE name = 'epoch'")
        let damage = try #require(Self.damage { _ = try KeyStore(path: path, directories: directories) })
        #expect(damage.detail == "meta.epoch holds a value Lethe never writes")
        withExtendedLifetime(folder) {}
    }

    @Test func aFileThatIsNotADatabaseIsDamagedAtOpen() throws {
        let (folder, path, directories) = try keyStore()
        let handle = try FileHandle(forUpdating: path)
        try handle.write(contentsOf: randomBytes(100, seed: 9))
        try handle.close()
        let damage = try #require(Self.damage { _ = try KeyStore(path: path, directories: directories) })
        #expect(damage.quickCheck.contains("not a database"), "\(damage)")
        withExtendedLifetime(folder) {}
    }

    /// An emptied key store is damage, refused before anything is written into it: migrating it
    /// into a new, empty key store would leave a file with tables and no keys.
    @Test func anEmptiedKeyStoreIsDamageAndStaysEmpty() throws {
        let (folder, path, directories) = try keyStore()
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path.path + suffix) }
        try Data().write(to: path)
        #expect(Self.damage { _ = try KeyStore(path: path, directories: directories) } != nil)
        #expect(try Data(contentsOf: path).isEmpty, "the open wrote into the emptied file")
        withExtendedLifetime(folder) {}
    }

    @Test func anIntactKeyStorePassesQuickCheck() throws {
        let (folder, path, directories) = try keyStore()
        try KeyStore(path: path, directories: directories).checkFile()
        withExtendedLifetime(folder) {}
    }
}
