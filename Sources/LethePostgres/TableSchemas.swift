import Foundation
import LetheCore

/// The tables one archive holds rows of, with their column definitions at backup time: the
/// archive's `rows/tables.json`, written with ``LetheJSON``.
///
/// Tables are in foreign-key order: a table comes after every mapped table it references, so
/// loading them in this order satisfies the keys. Each table's rows are the file
/// `rows/<name>.csv` of a restore (in the archive: `rows/<name>/<NNNNNN>.csv` pieces whose
/// concatenation is that file), exactly as `COPY (SELECT … ORDER BY <primary key>) TO STDOUT
/// (FORMAT csv, HEADER)` wrote it.
public struct TableSchemas: Codable, Sendable, Equatable {
    /// The version of this description; 1.
    public var version: Int
    /// The tables, parents before the tables that reference them.
    public var tables: [TableSchema]

    /// The current version.
    public static let currentVersion = 1
    /// The name of the description, in the archive's `rows/` and in a restore's `rows/`.
    public static let fileName = "tables.json"

    /// A description of `tables` at the current version.
    public init(tables: [TableSchema]) {
        (self.version, self.tables) = (Self.currentVersion, tables)
    }
}

/// One table's definition at backup time.
public struct TableSchema: Codable, Sendable, Equatable {
    /// One column, in the table's order (the order of the CSV's fields).
    public struct Column: Codable, Sendable, Equatable {
        /// The column's name.
        public var name: String
        /// Its type as PostgreSQL writes it (`format_type`: `text`, `numeric(10,2)`, `timestamp with time zone`).
        public var type: String
        /// True for `NOT NULL`.
        public var notNull: Bool

        enum CodingKeys: String, CodingKey { case name, type, notNull = "not_null" }

        /// A column.
        public init(name: String, type: String, notNull: Bool) { (self.name, self.type, self.notNull) = (name, type, notNull) }
    }

    /// The table as the database map names it (an identifier or `schema.table`); also the name
    /// of its CSV file.
    public var name: String
    /// The columns, in table order.
    public var columns: [Column]
    /// The primary key's columns, in key order; empty for a table without one (its rows are then
    /// ordered by every column).
    public var primaryKey: [String]
    /// The mapped tables this one references by foreign key (names as in the map).
    public var references: [String]

    enum CodingKeys: String, CodingKey { case name, columns, primaryKey = "primary_key", references }

    /// A table definition.
    public init(name: String, columns: [Column], primaryKey: [String], references: [String]) {
        (self.name, self.columns, self.primaryKey, self.references) = (name, columns, primaryKey, references)
    }
}
