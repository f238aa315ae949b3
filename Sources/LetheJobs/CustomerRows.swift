import Foundation
import LetheCore
import LethePolicy
import LethePostgres
import LetheTar

/// One customer's rows, read in one `REPEATABLE READ READ ONLY` transaction (so the tables agree
/// with each other) and streamed into an archive's `rows/` entries: `rows/tables.json` (the
/// tables' definitions at that moment, in foreign-key order), then each table's
/// `COPY (SELECT * FROM t WHERE (condition) ORDER BY <primary key>) TO STDOUT (FORMAT csv, HEADER)`
/// as PostgreSQL writes it. The transaction ends before the files are packed: it lasts as long
/// as the customer's rows take to read, never the night.
struct CustomerRows {
    let map: DatabaseMap
    /// The customer id as PostgreSQL text.
    let id: String

    /// Reads the rows on `connection` into `output`, then commits (read-only: nothing to keep;
    /// committing ends the snapshot).
    ///
    /// - Throws: `PostgresError` (a refused statement, a lost connection), or the archive's
    ///   error; the archive is then incomplete and must not be stored. A server message never
    ///   holds the customer id: the server quotes a value it refuses ("invalid input syntax for
    ///   type integer: …"), and this error goes to the log (invariant 9).
    func write(on connection: PostgresConnection, into output: RowsOutput) throws {
        do {
            try read(on: connection, into: output)
        } catch PostgresError.queryFailed(let state, let message) {
            throw PostgresError.queryFailed(sqlState: state, message: message.replacingOccurrences(of: id, with: "<customer id>"))
        }
    }

    /// The transaction itself (``write(on:into:)``).
    private func read(on connection: PostgresConnection, into output: RowsOutput) throws {
        try connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        let schemas = try Self.schemas(of: map, on: connection)
        try output.writeTables(try LetheJSON.encoder().encode(schemas))
        let literal = try self.literal(on: connection)
        let conditions = Dictionary(uniqueKeysWithValues: map.tables.map { ($0.name, $0.condition) })
        for table in schemas.tables {
            let condition = Self.substitute(conditions[table.name] ?? "false", literal: literal)
            let order = table.primaryKey.isEmpty
                ? (1...max(1, table.columns.count)).map(String.init).joined(separator: ", ")
                : table.primaryKey.map(Self.quoted).joined(separator: ", ")
            let sql = "COPY (SELECT * FROM \(table.name) WHERE (\(condition)) ORDER BY \(order)) TO STDOUT (FORMAT csv, HEADER)"
            try output.writeTable(table.name) { push in try connection.copyOut(sql) { try push($0) } }
        }
        try connection.query("COMMIT")
    }

    /// The mapped tables that still hold rows of the customer, children before parents (the
    /// order to delete them in).
    ///
    /// - Throws: `PostgresError`.
    func tablesHoldingRows(on connection: PostgresConnection) throws -> [String] {
        let literal = try self.literal(on: connection)
        let conditions = Dictionary(uniqueKeysWithValues: map.tables.map { ($0.name, $0.condition) })
        return try Self.schemas(of: map, on: connection).tables.reversed().map(\.name).filter { table in
            let condition = Self.substitute(conditions[table] ?? "false", literal: literal)
            return try connection.query("SELECT EXISTS (SELECT 1 FROM \(table) WHERE (\(condition)))").rows.first?.first == "t"
        }
    }

    /// The id as an SQL text literal, what `$1` becomes.
    func literal(on connection: PostgresConnection) throws -> String { "(" + (try connection.escapeLiteral(id)) + "::text)" }

    /// `condition` with every `$1` (not `$10`, `$11`…) replaced by `literal`.
    static func substitute(_ condition: String, literal: String) -> String {
        var out = ""
        var rest = Substring(condition)
        while let range = rest.range(of: "$1") {
            let after = rest[range.upperBound...]
            out += rest[..<range.lowerBound]
            if let next = after.first, next.isASCII, next.isNumber {
                out += "$1"
            } else {
                out += literal
            }
            rest = after
        }
        return out + rest
    }

    /// An identifier quoted for SQL (`"name"`, inner quotes doubled).
    static func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// The mapped tables' definitions as the transaction sees them, in foreign-key order
    /// (parents first; map order otherwise).
    static func schemas(of map: DatabaseMap, on connection: PostgresConnection) throws -> TableSchemas {
        let names = "{" + map.tables.map(\.name).joined(separator: ",") + "}"
        // One row per column: the table's position in the map, the column, its type, NOT NULL,
        // its position in the primary key (NULL if none).
        let columns = try connection.query("""
            SELECT t.n, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, k.n
            FROM unnest($1::text[]) WITH ORDINALITY AS t(name, n)
            JOIN pg_attribute a ON a.attrelid = to_regclass(t.name) AND a.attnum > 0 AND NOT a.attisdropped
            LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
            LEFT JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n) ON k.attnum = a.attnum
            ORDER BY t.n, a.attnum
            """, parameters: [names]).rows
        let references = try connection.query("""
            SELECT t.n, r.n
            FROM unnest($1::text[]) WITH ORDINALITY AS t(name, n)
            JOIN pg_constraint c ON c.conrelid = to_regclass(t.name) AND c.contype = 'f'
            JOIN unnest($1::text[]) WITH ORDINALITY AS r(name, n) ON c.confrelid = to_regclass(r.name) AND r.n <> t.n
            ORDER BY 1, 2
            """, parameters: [names]).rows
        var tables = map.tables.map { TableSchema(name: $0.name, columns: [], primaryKey: [], references: []) }
        var keys = Array(repeating: [(Int, String)](), count: tables.count)
        for row in columns {
            guard let index = row[0].flatMap(Int.init), let name = row[1], let type = row[2] else { continue }
            tables[index - 1].columns.append(.init(name: name, type: type, notNull: row[3] == "t"))
            if let position = row[4].flatMap(Int.init) { keys[index - 1].append((position, name)) }
        }
        for (index, key) in keys.enumerated() { tables[index].primaryKey = key.sorted { $0.0 < $1.0 }.map(\.1) }
        for row in references {
            guard let from = row[0].flatMap(Int.init), let to = row[1].flatMap(Int.init) else { continue }
            let name = map.tables[to - 1].name
            if !tables[from - 1].references.contains(name) { tables[from - 1].references.append(name) }
        }
        if let missing = tables.first(where: { $0.columns.isEmpty }) {
            throw PostgresError.queryFailed(sqlState: "42P01", message: "the mapped table \(missing.name) does not exist (run `lethe database check`)")
        }
        return TableSchemas(tables: foreignKeyOrder(tables))
    }

    /// `tables` with each after the tables it references (a cycle keeps map order).
    static func foreignKeyOrder(_ tables: [TableSchema]) -> [TableSchema] {
        var ordered: [TableSchema] = []
        var placed = Set<String>()
        var remaining = tables
        while !remaining.isEmpty {
            let ready = remaining.firstIndex { $0.references.allSatisfy(placed.contains) } ?? 0
            let table = remaining.remove(at: ready)
            ordered.append(table)
            placed.insert(table.name)
        }
        return ordered
    }
}
