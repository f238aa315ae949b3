import LetheSQLite

/// The key store's tables. Nothing here is secret in clear: every key is wrapped under the KEK.
enum KeyStoreSchema {
    static let schema = SQLiteSchema([
        ("v1", """
            CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE secrets (name TEXT PRIMARY KEY, wrapped BLOB NOT NULL, epoch INTEGER NOT NULL);
            -- lookup = keyed hash of the customer id; the id itself is stored nowhere.
            CREATE TABLE customers (
                lookup BLOB PRIMARY KEY,
                pseudonym TEXT NOT NULL UNIQUE,
                key_id TEXT NOT NULL,
                wrapped BLOB NOT NULL,
                epoch INTEGER NOT NULL,
                created INTEGER NOT NULL);
            -- Tombstones: a shredded customer is never backed up again under a new key.
            CREATE TABLE shredded (
                lookup BLOB PRIMARY KEY,
                shredded_at INTEGER NOT NULL,
                request TEXT NOT NULL);
            -- One expiry key per delete-by instant (unix seconds); wrapped is NULL once destroyed.
            CREATE TABLE expiry_keys (
                delete_by INTEGER PRIMARY KEY,
                key_id TEXT NOT NULL,
                wrapped BLOB,
                epoch INTEGER NOT NULL,
                destroyed_at INTEGER);
            """),
        // While a shred has not yet recorded its pseudonym's copies in the catalog, the
        // tombstone keeps the pseudonym and destroyed key id so that the next `shred` or
        // `keys rotate` can finish it; both are cleared (secure_delete) once recorded.
        ("v2-pending-shreds", """
            ALTER TABLE shredded ADD COLUMN pending_pseudonym TEXT;
            ALTER TABLE shredded ADD COLUMN pending_key_id TEXT;
            """),
    ])
}
