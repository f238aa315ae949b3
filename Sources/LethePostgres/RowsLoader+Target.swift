import Foundation

extension RowsLoader {
    /// One table being loaded: where its rows go, and the statements that put them there.
    struct Target {
        /// The table as the archive describes it.
        var schema: TableSchema
        /// The target table, quoted as PostgreSQL prints it (`regclass`).
        var table: String
        /// Its temporary twin (the archived columns, the target's types).
        var staging: String
        /// The archived columns, quoted, comma-separated.
        var archivedColumns: String
        /// `COPY` of the table's CSV into the twin.
        var copyStatement: String
        /// The twin's rows into the target (generated columns left to the target to compute).
        var insertStatement: String
        /// Counts the twin's rows whose primary key the target already holds; nil when the
        /// target has no primary key made of archived columns (its constraints then decide).
        var collisionQuery: String?
    }

    /// Resolves `schema`'s table in the database and checks it can take the archived columns.
    ///
    /// - Parameters:
    ///   - staging: the name of the twin to make.
    ///   - headerMatch: true when the server checks the CSV header against the columns (15+).
    /// - Throws: ``PostgresError/rowsTableMissing(table:server:)``,
    ///   ``PostgresError/rowsColumnMissing(table:column:server:)``, `PostgresError`.
    func target(_ schema: TableSchema, staging: String, headerMatch: Bool) throws -> Target {
        // to_regclass reads the name as SQL would (unquoted parts folded to lower case, the
        // search path for an unqualified name); regclass prints it quoted as needed.
        guard let found = try connection.query("SELECT c.oid::text, c.oid::regclass::text FROM pg_class c WHERE c.oid = to_regclass($1)",
                                               parameters: [schema.name]).rows.first,
              let oid = found[0], let table = found[1] else {
            throw PostgresError.rowsTableMissing(table: schema.name, server: connection.server)
        }
        let columns = try connection.query("""
            SELECT attname, attgenerated <> '' FROM pg_attribute
            WHERE attrelid = $1::oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum
            """, parameters: [oid]).rows.compactMap { row in row[0].map { (name: $0, generated: row[1] == "t") } }
        if let missing = schema.columns.first(where: { column in !columns.contains { $0.name == column.name } }) {
            throw PostgresError.rowsColumnMissing(table: schema.name, column: missing.name, server: connection.server)
        }
        let primaryKey = try connection.query("""
            SELECT a.attname FROM pg_index i
            CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = $1::oid AND i.indisprimary ORDER BY k.position
            """, parameters: [oid]).rows.compactMap { $0[0] }
        let generated = Set(columns.filter(\.generated).map(\.name))
        let quoted = try schema.columns.map { try connection.escapeIdentifier($0.name) }
        let inserted = try schema.columns.map(\.name).filter { !generated.contains($0) }.map { try connection.escapeIdentifier($0) }
            .joined(separator: ", ")
        let archivedColumns = quoted.joined(separator: ", ")
        var collisionQuery: String?
        if !primaryKey.isEmpty, primaryKey.allSatisfy({ key in schema.columns.contains { $0.name == key } }) {
            let matches = try primaryKey.map { try connection.escapeIdentifier($0) }.map { "t.\($0) = s.\($0)" }.joined(separator: " AND ")
            collisionQuery = "SELECT count(*) FROM \(staging) s WHERE EXISTS (SELECT 1 FROM \(table) t WHERE \(matches))"
        }
        return Target(
            schema: schema, table: table, staging: staging, archivedColumns: archivedColumns,
            copyStatement: "COPY \(staging) (\(archivedColumns)) FROM STDIN (FORMAT csv, HEADER \(headerMatch ? "MATCH" : "true"))",
            // OVERRIDING SYSTEM VALUE: the archived value of a GENERATED ALWAYS identity column is the row's own.
            insertStatement: "INSERT INTO \(table) (\(inserted)) OVERRIDING SYSTEM VALUE SELECT \(inserted) FROM \(staging)",
            collisionQuery: collisionQuery)
    }
}
