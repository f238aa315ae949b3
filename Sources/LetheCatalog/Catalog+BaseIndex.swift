import Foundation
import GRDB
import LetheCore

/// The names-free index of base archives (table `base_entries`): for each file of an archive
/// that later archives may be differentials against, what identifies it on the file system
/// (``BaseIndexEntry``). It lives while the archive has a copy that is not deleted or shredded.
extension Catalog {
    /// Records the index of `archive` (replacing one recorded before).
    ///
    /// - Throws: `CatalogError` when the archive has no recorded copy, or the catalog's own error.
    public func recordBaseIndex(_ archive: ArchiveID, entries: [BaseIndexEntry]) throws {
        try write { db in
            guard try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM copies WHERE archive_id = ? AND state NOT IN ('deleted', 'shredded') LIMIT 1"),
                                    arguments: [archive.rawValue]) ?? false else {
                throw CatalogError.noCopy("of archive \(archive) to index")
            }
            try insertBaseIndex(archive, entries: entries, db)
        }
    }

    /// Writes the index of `archive` (replacing one recorded before) inside the caller's
    /// transaction, which holds a copy of the archive (checked by the caller, or inserted by it).
    func insertBaseIndex(_ archive: ArchiveID, entries: [BaseIndexEntry], _ db: Database) throws {
        try db.cachedStatement(sql: "DELETE FROM base_entries WHERE archive_id = ?").execute(arguments: [archive.rawValue])
        let insert = try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO base_entries(archive_id, device, inode, size, mtime_ns, ctime_ns) VALUES (?, ?, ?, ?, ?, ?)
            """)
        for entry in entries {
            try insert.execute(arguments: [archive.rawValue, Int64(bitPattern: entry.device), Int64(bitPattern: entry.inode),
                                           entry.size, entry.mtimeNanos, entry.ctimeNanos])
        }
    }

    /// The index of `archive`, by device and inode; nil when none is recorded (the archive was
    /// never indexed, or its copies are all gone).
    public func baseIndex(_ archive: ArchiveID) throws -> [BaseIndexKey: BaseIndexEntry]? {
        // One cached statement outside an explicit transaction: a backup reads one base index per customer.
        let rows = try readRows(sql: "SELECT device, inode, size, mtime_ns, ctime_ns FROM base_entries WHERE archive_id = ?",
                                arguments: [archive.rawValue])
        guard !rows.isEmpty else { return nil }
        var index: [BaseIndexKey: BaseIndexEntry] = [:]
        for row in rows {
            let entry = BaseIndexEntry(device: UInt64(bitPattern: row[0]), inode: UInt64(bitPattern: row[1]),
                                       size: row[2], mtimeNanos: row[3], ctimeNanos: row[4])
            index[BaseIndexKey(device: entry.device, inode: entry.inode)] = entry
        }
        return index
    }

    /// How many archives have an index (for checks and tests).
    public func indexedArchiveCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT archive_id) FROM base_entries") ?? 0 }
    }
}

extension Catalog {
    /// The live copies of `classes` whose archive has a recorded base index, of each of
    /// `pseudonyms` (every pseudonym asked is a key, with no copies if it has none): what a
    /// backup chooses a differential's base among, read for a slice of its customers at once
    /// (one statement, prepared once per run) instead of three reads per customer.
    public func baseCandidateCopies(of pseudonyms: [Pseudonym], classes: [RetentionClass]) throws -> [Pseudonym: [CopyRecord]] {
        try baseCandidates(of: pseudonyms, classes: classes, indexEntries: 0).mapValues(\.copies)
    }

    /// ``baseCandidateCopies(of:classes:)`` and, in the same read transaction, the base index of
    /// each customer's newest candidate archive (by creation), as long as the slice's indexes
    /// hold at most `indexEntries` entries in all: one read per slice instead of one index read
    /// per customer. Past the budget the remaining customers get no index (their backup reads
    /// its base's own), so a slice of large customers never holds their indexes all at once.
    public func baseCandidates(of pseudonyms: [Pseudonym], classes: [RetentionClass], indexEntries: Int) throws -> [Pseudonym: BaseCandidates] {
        var found = Dictionary(pseudonyms.map { ($0, BaseCandidates(copies: [])) }, uniquingKeysWith: { first, _ in first })
        guard !pseudonyms.isEmpty, !classes.isEmpty else { return found }
        let names = found.keys.map(\.rawValue)
        let sql = Self.baseCandidateSQL(pseudonyms: names.count, classes: classes.count)
        try read { db in
            let copies = try Self.fetchCopies(db.cachedStatement(sql: sql), arguments: StatementArguments(names + classes.map(\.rawValue)))
            var newest: [Pseudonym: CopyRecord] = [:]
            for copy in copies {
                found[copy.pseudonym, default: BaseCandidates(copies: [])].copies.append(copy)
                if let other = newest[copy.pseudonym], other.created >= copy.created { continue }
                newest[copy.pseudonym] = copy
            }
            guard indexEntries > 0, !newest.isEmpty else { return }
            let owners = Dictionary(newest.values.map { ($0.archiveID, $0.pseudonym) }, uniquingKeysWith: { first, _ in first })
            let archives = Array(owners.keys)
            let rows = try Row.fetchCursor(db.cachedStatement(sql: """
                SELECT archive_id, device, inode, size, mtime_ns, ctime_ns FROM base_entries
                WHERE archive_id IN (\(Array(repeating: "?", count: archives.count).joined(separator: ",")))
                ORDER BY archive_id
                """), arguments: StatementArguments(archives.map(\.rawValue)))
            var read = 0
            var current: (archive: ArchiveID, entries: [BaseIndexKey: BaseIndexEntry])?
            func keep() { if let current, let owner = owners[current.archive] { found[owner]?.newestIndex = current } }
            while let row = try rows.next() {
                read += 1
                // Past the budget: the archive being read is dropped whole, the rest never read.
                guard read <= indexEntries else { return }
                let archive = ArchiveID(row[0] as String)
                if current?.archive != archive {
                    keep()
                    current = (archive, [:])
                }
                let entry = BaseIndexEntry(device: UInt64(bitPattern: row[1]), inode: UInt64(bitPattern: row[2]),
                                           size: row[3], mtimeNanos: row[4], ctimeNanos: row[5])
                current?.entries[BaseIndexKey(device: entry.device, inode: entry.inode)] = entry
            }
            keep()
        }
        return found
    }

    /// The statement of ``baseCandidateCopies(of:classes:)`` for that many pseudonyms and
    /// classes (their values bound in that order). `+state` keeps SQLite off the state index:
    /// without statistics it preferred it to the pseudonym index, and read every live copy of
    /// the catalog for each slice.
    static func baseCandidateSQL(pseudonyms: Int, classes: Int) -> String {
        """
        SELECT \(copyColumns) FROM copies
        WHERE pseudonym IN (\(Array(repeating: "?", count: pseudonyms).joined(separator: ","))) AND +state = 'live'
          AND class IN (\(Array(repeating: "?", count: classes).joined(separator: ",")))
          AND EXISTS (SELECT 1 FROM base_entries WHERE base_entries.archive_id = copies.archive_id)
        ORDER BY set_id, pseudonym, location, id
        """
    }
}
