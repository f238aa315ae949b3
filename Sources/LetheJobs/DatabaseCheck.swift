import Foundation
import LethePolicy
import LethePostgres

/// `lethe database check`: a database map parsed as the jobs parse it and, given a database,
/// proved against it: every table exists, every condition compiles and plans (`PREPARE` with
/// `$1` as text, then `EXPLAIN EXECUTE` with a sample id), the `customers` query returns one
/// column, and tables that reference a mapped table by foreign key but are not in the map are
/// named (rows nobody would back up or erase). The session is read-only: the map's SQL cannot
/// write, and a hot standby can be checked.
public enum DatabaseCheck {
    /// What the check found in a valid map.
    public struct Summary: Sendable, Encodable, Equatable {
        /// The map file, as given.
        public var file: String
        /// The database checked against (`user@host:port/database`), or nil for the parse only.
        public var database: String?
        /// True when the map has a `customers` query.
        public var customersQuery: Bool
        /// The mapped tables, in file order.
        public var tables: [Table]
        /// What the operator should look at; the map is usable.
        public var warnings: [Warning]
    }

    /// One mapped table.
    public struct Table: Sendable, Encodable, Equatable {
        /// The table as the map names it.
        public var name: String
        /// Its line in the map.
        public var line: Int
    }

    /// Something to look at in a usable map.
    public struct Warning: Sendable, Encodable, Equatable {
        /// What kind: `unmapped_reference` (a table with a foreign key to a mapped table, not in
        /// the map) or `sample_value` (a condition that cannot take every text id).
        public var kind: String
        /// The table concerned (the unmapped one for `unmapped_reference`).
        public var table: String
        /// What is wrong and what to do.
        public var message: String
    }

    /// The id the conditions are planned with; not a customer's.
    static let sampleID = "lethe-check"

    /// Parses the map at `path` and, when `databaseURL` is given, proves it against the database.
    ///
    /// - Parameter passwordFile: a file holding the password (else PGPASSWORD or ~/.pgpass).
    /// - Throws: `PolicyError` (usage) with every problem by file:line, including a missing
    ///   table or a condition the server refuses; `PostgresError` for a URL with a password
    ///   (usage) or a database that cannot be reached or refuses the login (failed).
    public static func check(path: String, databaseURL: String?, passwordFile: String?) throws -> Summary {
        try check(DatabaseMapLoader.load(path: path), databaseURL: databaseURL, passwordFile: passwordFile)
    }

    /// Checks a parsed map as ``check(path:databaseURL:passwordFile:)`` does.
    static func check(_ map: DatabaseMap, databaseURL: String?, passwordFile: String?) throws -> Summary {
        var summary = Summary(file: map.sourceFile, database: nil, customersQuery: map.customersQuery != nil,
                              tables: map.tables.map { Table(name: $0.name, line: $0.line) }, warnings: [])
        guard let databaseURL else { return summary }
        let connection = try PostgresConnection.open(url: databaseURL, passwordFile: passwordFile, readOnly: true)
        summary.database = connection.server
        summary.warnings = try prove(map, on: connection)
        return summary
    }

    /// Proves each part of `map` on `connection`; returns the warnings.
    ///
    /// - Throws: `PolicyError.invalid` with every table, condition or query the server refuses.
    static func prove(_ map: DatabaseMap, on connection: PostgresConnection) throws -> [Warning] {
        var problems: [PolicyProblem] = []
        var warnings: [Warning] = []
        func problem(_ kind: PolicyProblem.Kind, _ line: Int, _ message: String, _ fix: String) {
            problems.append(PolicyProblem(kind: kind, file: map.sourceFile, line: line, message: message, fix: fix))
        }
        if let query = map.customersQuery {
            let line = map.customersLine ?? 1
            do {
                let rows = try connection.query("SELECT * FROM (\(query)) AS lethe_customers LIMIT 0")
                if rows.columns.count != 1 {
                    problem(.badCustomersQuery, line, "the customers query returns \(rows.columns.count) columns",
                            "select the customer id alone, e.g. `customers: SELECT slug FROM tenants`")
                }
            } catch PostgresError.queryFailed(let state, let message) {
                problem(.badCustomersQuery, line, "the database refuses the customers query (SQLSTATE \(state): \(message))",
                        "fix the query; it must be one SELECT returning the customer ids")
            }
        }
        for table in map.tables {
            let exists = try connection.query("SELECT to_regclass($1) IS NOT NULL", parameters: [table.name]).rows.first?.first
            guard exists == "t" else {
                problem(.badTable, table.line, "the table \(table.name) does not exist in the database \(connection.server)",
                        "correct the name (unquoted names are folded to lower case; write schema.table outside the search path) or remove the entry")
                continue
            }
            do {
                try connection.query("PREPARE lethe_check(text) AS SELECT 1 FROM \(table.name) WHERE (\(table.condition))")
            } catch PostgresError.queryFailed(let state, let message) {
                problem(.badCondition, table.line, "the condition of \(table.name) does not compile (SQLSTATE \(state): \(message))",
                        "fix the condition; $1 is the customer id, as text (write $1::integer and the like to compare with other types)")
                continue
            }
            defer { _ = try? connection.query("DEALLOCATE lethe_check") }
            do {
                try connection.query("EXPLAIN EXECUTE lethe_check(\(try connection.escapeLiteral(sampleID)))")
            } catch PostgresError.queryFailed(let state, let message) where state.hasPrefix("22") {
                warnings.append(Warning(kind: "sample_value", table: table.name,
                                        message: "the condition of \(table.name) cannot take the id '\(sampleID)' (\(message)): a customer whose id it cannot take will fail; check that every customer id fits it"))
            } catch PostgresError.queryFailed(let state, let message) {
                problem(.badCondition, table.line, "the condition of \(table.name) cannot be planned (SQLSTATE \(state): \(message))",
                        "fix the condition; $1 is the customer id, as text")
            }
        }
        guard problems.isEmpty else { throw PolicyError.invalid(problems) }
        return warnings + (try unmappedReferences(map, on: connection))
    }

    /// Tables with a foreign key to a mapped table that are not mapped themselves.
    static func unmappedReferences(_ map: DatabaseMap, on connection: PostgresConnection) throws -> [Warning] {
        let names = "{" + map.tables.map(\.name).joined(separator: ",") + "}"
        let rows = try connection.query("""
            SELECT c.conrelid::regclass::text, c.confrelid::regclass::text, c.conname
            FROM pg_constraint c
            WHERE c.contype = 'f'
              AND c.confrelid IN (SELECT to_regclass(t) FROM unnest($1::text[]) AS t)
              AND c.conrelid NOT IN (SELECT to_regclass(t) FROM unnest($1::text[]) AS t WHERE to_regclass(t) IS NOT NULL)
            ORDER BY 1, 3
            """, parameters: [names]).rows
        return rows.map { row in
            let (table, referenced, constraint) = (row[0] ?? "?", row[1] ?? "?", row[2] ?? "?")
            return Warning(kind: "unmapped_reference", table: table,
                           message: "the table \(table) references \(referenced) (foreign key \(constraint)) but is not in the map: "
                               + "its rows would be neither backed up nor erased with their customer; add it to tables")
        }
    }
}
