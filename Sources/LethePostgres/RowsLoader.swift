import Foundation

/// Loads one archive's rows back into PostgreSQL in one transaction, refusing (nothing written)
/// when any of them is already there.
///
/// The caller reads the archive once, in order, and feeds the loader as it goes:
///
/// ```swift
/// let loader = RowsLoader(connection: connection)
/// try loader.begin(schemas: schemas, only: tables)          // rows/tables.json
/// for table in archive's tables, in order {
///     try loader.load(table: name) { push in for piece in pieces { try push(piece) } }
/// }
/// let result = try loader.commit()
/// ```
///
/// How: ``begin(schemas:only:)`` opens a transaction, checks that every target table exists and
/// has every archived column, and makes an empty temporary twin of each (the archived columns,
/// with the target's types, dropped at the transaction's end). ``load(table:_:)`` streams a
/// table's CSV (with its header line, checked against the columns on PostgreSQL 15 and later)
/// into its twin with `COPY … FROM STDIN`, so memory stays flat whatever the size.
/// ``commit()`` looks for rows whose primary key is already in the target, refuses if any is,
/// else inserts the twins into the targets in foreign-key order (the order of
/// `rows/tables.json`: parents first) and commits. Any failure rolls the whole load back.
///
/// A loader runs one load. Not for use from two threads at once. The connection is the
/// loader's while the load is open.
public final class RowsLoader {
    /// What a committed load wrote.
    public struct Result: Sendable, Equatable, Encodable {
        /// The tables loaded, in the order they were written (foreign-key order).
        public var tables: [TableRows]
        /// All rows, every table.
        public var rows: Int { tables.reduce(0) { $0 + $1.rows } }

        /// A result.
        public init(tables: [TableRows]) { self.tables = tables }
    }

    /// The rows written to one table.
    public struct TableRows: Sendable, Equatable, Encodable {
        /// The table as the archive names it.
        public var name: String
        /// The number of rows written.
        public var rows: Int

        /// One table's count.
        public init(name: String, rows: Int) { (self.name, self.rows) = (name, rows) }
    }

    /// The connection the load runs on.
    public let connection: PostgresConnection
    /// The tables being loaded, in foreign-key order; empty before ``begin(schemas:only:)``.
    var targets: [Target] = []
    /// The archive's tables, by name (loaded or not).
    private var archived: Set<String> = []
    /// The rows copied into each target's twin, by table name.
    private var copied: [String: Int] = [:]
    /// The table whose CSV is being streamed, and its COPY (nil for a table not selected).
    private var current: (name: String, copy: PostgresCopyIn?)?
    /// True between a successful ``begin(schemas:only:)`` and the end of the transaction.
    private var open = false

    /// A loader on `connection`, which must not be inside a transaction.
    public init(connection: PostgresConnection) { self.connection = connection }

    deinit { if open { rollback() } }

    /// Opens the load: a transaction, the target tables checked, their temporary twins made.
    ///
    /// - Parameters:
    ///   - schemas: the archive's `rows/tables.json`.
    ///   - only: the tables to load (`--table`); empty for all. The others are skipped by
    ///     ``load(table:_:)``.
    /// - Throws: ``PostgresError/rowsTableUnknown(table:available:)`` (usage) for a name in
    ///   `only` the archive does not hold; ``PostgresError/rowsTableMissing(table:server:)`` or
    ///   ``PostgresError/rowsColumnMissing(table:column:server:)`` when a target cannot take its
    ///   rows; other `PostgresError`s from the server. Nothing is written then.
    public func begin(schemas: TableSchemas, only: [String] = []) throws {
        precondition(!open && targets.isEmpty, "RowsLoader.begin called twice")
        let names = schemas.tables.map(\.name)
        if let unknown = only.first(where: { !names.contains($0) }) {
            throw PostgresError.rowsTableUnknown(table: unknown, available: names)
        }
        archived = Set(names)
        try connection.query("BEGIN")
        open = true
        try rollingBack {
            let headerMatch = try connection.query("SHOW server_version_num").rows.first?.first.flatMap { $0.flatMap { Int($0) } } ?? 0 >= 150000
            for (index, schema) in schemas.tables.enumerated() where only.isEmpty || only.contains(schema.name) {
                targets.append(try target(schema, staging: "pg_temp.lethe_rows_\(index + 1)", headerMatch: headerMatch))
            }
            for target in targets {
                try connection.query("CREATE TEMP TABLE \(target.staging) ON COMMIT DROP AS SELECT \(target.archivedColumns) FROM \(target.table) WITH NO DATA")
            }
        }
    }

    /// True when ``load(table:_:)`` writes `table`'s rows (it is selected); false when it
    /// would skip them, so a caller may skip reading them.
    public func accepts(table: String) -> Bool { targets.contains { $0.schema.name == table } }

    /// Streams one table's CSV (the archive's pieces, header line first, in order) into the load:
    /// ``startTable(_:)``, ``write(_:)`` for each piece, ``endTable()``.
    ///
    /// - Parameters:
    ///   - table: the table as `rows/tables.json` names it.
    ///   - produce: pushes the table's bytes (see ``PostgresConnection/copyIn(_:_:)``).
    /// - Throws: as ``startTable(_:)``, ``write(_:)`` and ``endTable()``; the producer's error.
    ///   The load is then rolled back.
    public func load(table: String, _ produce: (_ push: PostgresConnection.CopyPush) throws -> Void) throws {
        try startTable(table)
        try rollingBack { try produce { try write($0) } }
        try endTable()
    }

    /// Starts one table's CSV; its bytes follow with ``write(_:)``, then ``endTable()``.
    ///
    /// A table the load does not select is read and discarded, so a caller reading the
    /// archive in order can hand every table over.
    ///
    /// - Parameter table: the table as `rows/tables.json` names it.
    /// - Throws: ``PostgresError/rowsOutOfContract(_:)`` for a table not in `rows/tables.json`,
    ///   given twice, or started while another is open; the server's error. The load is then
    ///   rolled back.
    public func startTable(_ table: String) throws {
        precondition(open, "RowsLoader.startTable called outside begin … commit")
        try rollingBack {
            guard current == nil else { throw PostgresError.rowsOutOfContract("the rows of \(table) start before the previous table's end") }
            guard archived.contains(table) else { throw PostgresError.rowsOutOfContract("the table \(table) is not in rows/tables.json") }
            guard copied[table] == nil else { throw PostgresError.rowsOutOfContract("the rows of \(table) come twice") }
            let copy = try targets.first(where: { $0.schema.name == table }).map { try PostgresCopyIn($0.copyStatement, on: connection) }
            current = (table, copy)
        }
    }

    /// More of the current table's CSV bytes, in order (chunks may split rows anywhere).
    ///
    /// - Throws: the server's error for a refused row; the load is then rolled back.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let current else { preconditionFailure("RowsLoader.write outside startTable … endTable") }
        try rollingBack { try current.copy?.push(bytes) }
    }

    /// Ends the current table's CSV.
    ///
    /// - Throws: the server's error for a refused row; the load is then rolled back.
    public func endTable() throws {
        guard let table = current else { preconditionFailure("RowsLoader.endTable without startTable") }
        current = nil
        try rollingBack { copied[table.name] = try table.copy?.finish() ?? 0 }
    }

    /// Ends the load: refuses if any row's primary key is already in its target, else writes
    /// every table in foreign-key order and commits.
    ///
    /// - Returns: the rows written, per table.
    /// - Throws: ``PostgresError/rowsExist(tables:rows:server:)`` when rows are already there;
    ///   ``PostgresError/rowsOutOfContract(_:)`` when a selected table was never loaded;
    ///   ``PostgresError/queryFailed(sqlState:message:)`` for a row a constraint refuses (a
    ///   foreign key to a row that is not there, a duplicate). Nothing is written then.
    public func commit() throws -> Result {
        precondition(open, "RowsLoader.commit called outside begin … commit")
        return try rollingBack {
            if let table = current { throw PostgresError.rowsOutOfContract("the rows of \(table.name) never ended") }
            if let missing = targets.first(where: { copied[$0.schema.name] == nil }) {
                throw PostgresError.rowsOutOfContract("no rows were given for the table \(missing.schema.name)")
            }
            var existing: [(table: String, rows: Int)] = []
            for target in targets {
                guard let collisions = target.collisionQuery else { continue }
                let count = Int(try connection.query(collisions).rows.first?.first.flatMap { $0 } ?? "0") ?? 0
                if count > 0 { existing.append((target.schema.name, count)) }
            }
            guard existing.isEmpty else {
                throw PostgresError.rowsExist(tables: existing.map(\.table), rows: existing.reduce(0) { $0 + $1.rows }, server: connection.server)
            }
            for target in targets { try connection.query(target.insertStatement) }
            try connection.query("COMMIT")
            open = false
            return Result(tables: targets.map { TableRows(name: $0.schema.name, rows: copied[$0.schema.name] ?? 0) })
        }
    }

    /// Abandons the load: nothing of it is written. Safe to call at any time.
    public func rollback() {
        guard open else { return }
        open = false
        current?.copy?.abandon()
        current = nil
        _ = try? connection.query("ROLLBACK")
    }

    /// Runs `body`; if it throws, rolls the load back and rethrows.
    private func rollingBack<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch {
            rollback()
            throw error
        }
    }
}
