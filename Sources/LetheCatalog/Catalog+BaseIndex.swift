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
        var found = Dictionary(pseudonyms.map { ($0, [CopyRecord]()) }, uniquingKeysWith: { first, _ in first })
        guard !pseudonyms.isEmpty, !classes.isEmpty else { return found }
        let names = found.keys.map(\.rawValue)
        let sql = Self.baseCandidateSQL(pseudonyms: names.count, classes: classes.count)
        let copies = try read { db in
            try Self.fetchCopies(db.cachedStatement(sql: sql), arguments: StatementArguments(names + classes.map(\.rawValue)))
        }
        for copy in copies { found[copy.pseudonym, default: []].append(copy) }
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
