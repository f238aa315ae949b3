import Foundation
import GRDB
import LetheCatalog
import LetheCore
import LetheSQLite
import LetheTestSupport
import Testing

/// A damaged catalog file is `CatalogError.damaged` (exit 3) naming the file and what SQLite's
/// `quick_check` says, never a trap: each kind of damage the metadata fuzz test met, made
/// deliberately on a real SQLite file.
@Suite struct CatalogDamageTests {
    /// A catalog with `events` ledger events and one set with one copy, and its folder.
    static func catalog(events: Int = 6) throws -> (TemporaryDirectory, URL) {
        let folder = try TemporaryDirectory(prefix: "lethe-catalog-damage")
        let path = folder.url.appendingPathComponent("catalog.sqlite")
        let catalog = try Catalog(path: path, create: true)
        let start = Date(timeIntervalSince1970: 1_796_004_000)
        let set = SetRecord(id: SetID("20261102T010000Z-abcd"), created: start, retentionClass: .daily, state: .complete, policy: "default")
        try catalog.beginSet(set, event: LedgerEvent(kind: "set.started", at: start, details: ["set": set.id.rawValue]))
        try catalog.recordCopy(CopyRecord(archiveID: ArchiveID("a1"), setID: set.id, pseudonym: Pseudonym("pone"), retentionClass: .daily,
                                          location: .local, objectKey: ObjectKey("archives/pone/\(set.id)/a1.lethe")!, created: start,
                                          deleteBy: start.addingTimeInterval(7 * 86_400), state: .live, bytes: 1234),
                               event: LedgerEvent(kind: "copy.written", at: start, details: ["archive": "a1"]))
        for n in 0..<events {
            try catalog.record(LedgerEvent(kind: "note", at: start.addingTimeInterval(Double(n)), details: ["n": String(n), "pad": String(repeating: "x", count: 200)]))
        }
        return (folder, path)
    }

    /// Runs SQL on the file behind Lethe's back (what damage to the schema or a record amounts to).
    static func alter(_ path: URL, _ sql: String) throws {
        let queue = try DatabaseQueue(path: path.path)
        try queue.write { try $0.execute(sql: sql) }
    }

    /// The damage a call reports, or nil if it did not throw `CatalogError.damaged`.
    static func damage(_ body: () throws -> Void) -> SQLiteDamage? {
        do {
            try body()
            return nil
        } catch CatalogError.damaged(let damage) {
            return damage
        } catch {
            Issue.record("expected CatalogError.damaged, got \(error)")
            return nil
        }
    }

    /// The ledger table re-created without its NOT NULL constraints, so a row can hold NULL
    /// where Lethe always writes text (as a zeroed record header does).
    static let nullableLedger = """
        ALTER TABLE ledger RENAME TO ledger_old;
        CREATE TABLE ledger (seq INTEGER PRIMARY KEY, at INTEGER, kind TEXT, details TEXT, prev_hash TEXT, hash TEXT);
        INSERT INTO ledger SELECT * FROM ledger_old;
        DROP TABLE ledger_old;
        """

    @Test func aNullWhereTheLedgerHoldsTextIsDamageNotATrap() throws {
        // Fuzz case 81 before the fix: `Fatal error: 'try!' … could not decode String from database
        // value NULL - column: "prev_hash"` in Catalog.verifyLedger.
        let (folder, path) = try Self.catalog()
        try Self.alter(path, Self.nullableLedger + "UPDATE ledger SET prev_hash = NULL WHERE seq = 3;")
        let catalog = try Catalog(path: path)
        let damage = try #require(Self.damage { _ = try catalog.verifyLedger() })
        #expect(damage.file == path)
        #expect(damage.quickCheck == "ok")
        #expect(damage.detail == "ledger.prev_hash holds a value Lethe never writes")
        #expect(Self.damage { _ = try catalog.ledger() } != nil)
        let message = "\(CatalogError.damaged(damage))"
        #expect(message.hasPrefix("\(path.path) is damaged (quick_check: ok; ledger.prev_hash holds a value Lethe never writes)"))
        #expect(message.contains("restore catalog.sqlite from your last backup of the home"))
        withExtendedLifetime(folder) {}
    }

    @Test func aRenamedColumnIsDamageNotATrap() throws {
        // The finding: `Fatal error: … column not found: "hash"` from Catalog.verifyLedger.
        let (folder, path) = try Self.catalog()
        try Self.alter(path, "ALTER TABLE ledger RENAME COLUMN hash TO hXsh")
        let catalog = try Catalog(path: path)
        let damage = try #require(Self.damage { _ = try catalog.verifyLedger() })
        #expect(damage.detail?.contains("no such column: hash") == true, "\(damage)")
        withExtendedLifetime(folder) {}
    }

    @Test(arguments: [
        ("state", "UPDATE copies SET state = 'lost'", "copies.state of copy 1"),
        ("class", "UPDATE copies SET class = 'hourly'", "copies.class of copy 1"),
        ("location", "UPDATE copies SET location = 'moon'", "copies.location of copy 1"),
        ("object key", "UPDATE copies SET object_key = '../../etc/passwd'", "copies.object_key of copy 1"),
        ("size", "UPDATE copies SET bytes = -5", "copies.bytes of copy 1"),
        ("size too large to add up", "UPDATE copies SET bytes = 9223372036854775807", "copies.bytes of copy 1"),
        ("delete-by", "UPDATE copies SET delete_by = 9223372036854775807", "copies.delete_by of copy 1"),
    ])
    func aCopyValueLetheNeverWritesIsDamage(field: String, sql: String, named: String) throws {
        let (folder, path) = try Self.catalog()
        try Self.alter(path, sql)
        let damage = try #require(Self.damage { _ = try Catalog(path: path).copies() }, "a damaged \(field)")
        #expect(damage.detail == "\(named) holds a value Lethe never writes")
        withExtendedLifetime(folder) {}
    }

    @Test func aSetStateLetheNeverWritesIsDamageNotADefault() throws {
        // It used to read as `failed` (and an unknown class as `daily`), silently.
        let (folder, path) = try Self.catalog()
        try Self.alter(path, "UPDATE sets SET state = 'done?'")
        let damage = try #require(Self.damage { _ = try Catalog(path: path).sets() })
        #expect(damage.detail == "sets.state holds a value Lethe never writes")
        withExtendedLifetime(folder) {}
    }

    @Test func aFileThatIsNotADatabaseIsDamagedAtOpen() throws {
        let (folder, path) = try Self.catalog()
        let handle = try FileHandle(forUpdating: path)
        try handle.write(contentsOf: randomBytes(100, seed: 7))  // over SQLite's 100-byte file header
        try handle.close()
        let damage = try #require(Self.damage { _ = try Catalog(path: path) })
        #expect(damage.quickCheck.contains("not a database"), "\(damage)")
        #expect(damage.detail?.contains("SQLite error 26") == true, "\(damage)")
        withExtendedLifetime(folder) {}
    }

    @Test func quickCheckFindsDamageInPagesNoReadTouched() throws {
        let (folder, path) = try Self.catalog(events: 200)
        let catalog = try Catalog(path: path)
        try catalog.checkFile()
        // Zero the last page (ledger rows): a torn write. Reads of sets and copies still work.
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path.path)[.size] as? Int)
        let handle = try FileHandle(forUpdating: path)
        try handle.seek(toOffset: UInt64(size - 4096))
        try handle.write(contentsOf: [UInt8](repeating: 0, count: 4096))
        try handle.close()
        let reopened = try Catalog(path: path)
        #expect(try reopened.sets().count == 1)
        let damage = try #require(Self.damage { try reopened.checkFile() })
        #expect(damage.quickCheck != "ok" && !damage.quickCheck.hasPrefix("could not run"), "\(damage)")
        #expect(damage.detail == nil)
        withExtendedLifetime(folder) {}
    }

    @Test func anEmptiedCatalogIsDamagedNotStartedAfresh() throws {
        // SQLite reads a zero-length file as an empty database: migrating it would start a new,
        // empty catalog in place of the lost one, and the next nightly would write into it.
        let (folder, path) = try Self.catalog()
        try Data().write(to: path)
        let damage = try #require(Self.damage { _ = try Catalog(path: path) })
        #expect(damage.detail == "the file holds no tables: it was emptied or replaced", "\(damage)")
        let tables = try DatabaseQueue(path: path.path).read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM sqlite_master") }
        #expect(tables == 0, "no new catalog was migrated into it")
        withExtendedLifetime(folder) {}
    }

    @Test func aMissingFileIsUnavailableNotDamaged() throws {
        let folder = try TemporaryDirectory(prefix: "lethe-catalog-damage")
        #expect {
            _ = try Catalog(path: folder.url.appendingPathComponent("catalog.sqlite"))
        } throws: { error in
            if case CatalogError.unavailable = error { return true }
            return false
        }
    }
}

/// A catalog another process keeps locked is busy (exit 6), with what to do; never damage.
@Suite struct CatalogBusyTests {
    @Test func aCatalogHeldLockedByAnotherProcessIsBusy() throws {
        let folder = try TemporaryDirectory(prefix: "lethe-catalog-busy")
        let path = folder.url.appendingPathComponent("catalog.sqlite")
        _ = try Catalog(path: path, create: true)
        let holder = try DatabaseQueue(path: path.path)
        try holder.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            defer { try? db.execute(sql: "ROLLBACK") }
            let catalog = try Catalog(path: path, busyTimeout: 0.05)
            #expect { try catalog.record(LedgerEvent(kind: "test.event", at: Date(timeIntervalSince1970: 1_796_004_000), details: [:])) } throws: { error in
                guard case CatalogError.busy(let named) = error else { return false }
                return named == path.path && "\(error)".contains("run this command again")
            }
        }
    }
}
