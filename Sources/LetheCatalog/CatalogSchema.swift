import LetheSQLite

/// The catalog's tables. No customer id anywhere: pseudonyms only.
enum CatalogSchema {
    static let schema = SQLiteSchema([
        ("v1", """
            CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE sets (
                id TEXT PRIMARY KEY,
                created INTEGER NOT NULL,
                class TEXT NOT NULL,
                state TEXT NOT NULL,
                policy TEXT NOT NULL,
                customers INTEGER NOT NULL DEFAULT 0,
                failures INTEGER NOT NULL DEFAULT 0);
            CREATE TABLE copies (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                archive_id TEXT NOT NULL,
                set_id TEXT NOT NULL REFERENCES sets(id),
                pseudonym TEXT NOT NULL,
                class TEXT NOT NULL,
                location TEXT NOT NULL,
                object_key TEXT NOT NULL,
                created INTEGER NOT NULL,
                delete_by INTEGER NOT NULL,
                state TEXT NOT NULL,
                bytes INTEGER NOT NULL,
                version_id TEXT,
                locked_until INTEGER,
                UNIQUE(location, object_key, archive_id));
            CREATE INDEX copies_by_pseudonym ON copies(pseudonym, set_id);
            CREATE INDEX copies_by_state ON copies(state, delete_by);
            -- Append-only, hash-chained: each event carries the hash of the one before.
            CREATE TABLE ledger (
                seq INTEGER PRIMARY KEY,
                at INTEGER NOT NULL,
                kind TEXT NOT NULL,
                details TEXT NOT NULL,
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL);
            """),
        // Finding the latest event of a kind (the last key rotation, a shred's record) without
        // scanning a ledger of millions of copy events.
        ("v2-ledger-by-kind", "CREATE INDEX ledger_by_kind ON ledger(kind, seq)"),
        // The newest event's sequence and hash, kept apart from the ledger rows (meta
        // 'ledger_head' = "SEQ:HASH"), so that events deleted from the end are detected.
        ("v3-ledger-head", """
            INSERT OR REPLACE INTO meta(name, value)
            SELECT 'ledger_head', seq || ':' || hash FROM ledger ORDER BY seq DESC LIMIT 1
            """),
        // What `lethe verify` found per copy (Catalog+Findings.swift): one row per copy and
        // check (`source`: structure or copies), with the copy's state when found; it holds while
        // the copy stays in that state, until the next check of that source clears it.
        ("v4-copy-findings", """
            CREATE TABLE copy_findings (
                copy_id INTEGER NOT NULL REFERENCES copies(id),
                source TEXT NOT NULL,
                kind TEXT NOT NULL,
                found INTEGER NOT NULL,
                state TEXT NOT NULL,
                PRIMARY KEY (copy_id, source));
            """),
        // The names-free index of each archive that can be a base (Catalog+BaseIndex.swift):
        // device, inode, size, mtime and ctime of each file, nothing that names it. It goes when
        // the archive's last copy is deleted or shredded (the trigger), so a shred or the
        // base's expiry leaves none behind.
        ("v5-base-index", """
            CREATE TABLE base_entries (
                archive_id TEXT NOT NULL,
                device INTEGER NOT NULL,
                inode INTEGER NOT NULL,
                size INTEGER NOT NULL,
                mtime_ns INTEGER NOT NULL,
                ctime_ns INTEGER NOT NULL,
                PRIMARY KEY (archive_id, device, inode)) WITHOUT ROWID;
            CREATE TRIGGER base_entries_follow_copies AFTER UPDATE OF state ON copies
            WHEN NEW.state IN ('deleted', 'shredded')
            BEGIN
                DELETE FROM base_entries WHERE archive_id = NEW.archive_id
                AND NOT EXISTS (SELECT 1 FROM copies WHERE archive_id = NEW.archive_id AND state NOT IN ('deleted', 'shredded'));
            END;
            """),
        // Each copy's base archive (a differential's, as its header names it; NULL for a full
        // archive): restore, verify and export follow it, `list archives` shows it.
        ("v6-copy-base", "ALTER TABLE copies ADD COLUMN base_archive_id TEXT"),
        // Copies by archive: recording a base index checks its archive has a copy, and the
        // base-index trigger looks for an archive's other copies at every deletion and shred.
        // Without it each was a scan of the whole table (issue 14: a night of 20,000 new
        // customers scanned it 20,000 times).
        ("v7-copies-by-archive", "CREATE INDEX copies_by_archive ON copies(archive_id, state)"),
    ])
}
