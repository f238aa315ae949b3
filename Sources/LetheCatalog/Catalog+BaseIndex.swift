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
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM copies WHERE archive_id = ? AND state NOT IN ('deleted', 'shredded') LIMIT 1",
                                    arguments: [archive.rawValue]) ?? false else {
                throw CatalogError.noCopy("of archive \(archive) to index")
            }
            try db.execute(sql: "DELETE FROM base_entries WHERE archive_id = ?", arguments: [archive.rawValue])
            let insert = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO base_entries(archive_id, device, inode, size, mtime_ns, ctime_ns) VALUES (?, ?, ?, ?, ?, ?)
                """)
            for entry in entries {
                try insert.execute(arguments: [archive.rawValue, Int64(bitPattern: entry.device), Int64(bitPattern: entry.inode),
                                               entry.size, entry.mtimeNanos, entry.ctimeNanos])
            }
        }
    }

    /// The index of `archive`, by device and inode; nil when none is recorded (the archive was
    /// never indexed, or its copies are all gone).
    public func baseIndex(_ archive: ArchiveID) throws -> [BaseIndexKey: BaseIndexEntry]? {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT device, inode, size, mtime_ns, ctime_ns FROM base_entries WHERE archive_id = ?
                """, arguments: [archive.rawValue])
            guard !rows.isEmpty else { return nil }
            var index: [BaseIndexKey: BaseIndexEntry] = [:]
            for row in rows {
                let entry = BaseIndexEntry(device: UInt64(bitPattern: row[0]), inode: UInt64(bitPattern: row[1]),
                                           size: row[2], mtimeNanos: row[3], ctimeNanos: row[4])
                index[BaseIndexKey(device: entry.device, inode: entry.inode)] = entry
            }
            return index
        }
    }

    /// How many archives have an index (for checks and tests).
    public func indexedArchiveCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT archive_id) FROM base_entries") ?? 0 }
    }
}

extension Catalog {
    /// Which of `archives` have a recorded base index.
    public func indexedArchives(among archives: [ArchiveID]) throws -> Set<ArchiveID> {
        guard !archives.isEmpty else { return [] }
        return try read { db in
            var found: Set<ArchiveID> = []
            let statement = try db.cachedStatement(sql: "SELECT 1 FROM base_entries WHERE archive_id = ? LIMIT 1")
            for archive in archives where try Bool.fetchOne(statement, arguments: [archive.rawValue]) ?? false {
                found.insert(archive)
            }
            return found
        }
    }
}
