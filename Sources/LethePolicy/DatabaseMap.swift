/// Which rows of a PostgreSQL database belong to which customer: the database map, a YAML file
/// kept in the home beside the policy.
///
/// ```yaml
/// # optional: customers that have rows but no folder are backed up too
/// customers: SELECT slug FROM tenants WHERE closed_at IS NULL
/// tables:
///   tenants: "slug = $1"
///   pages:   "tenant_id = (SELECT id FROM tenants WHERE slug = $1)"
/// ```
///
/// `$1` is the customer id (the folder name). A table name is an SQL identifier, unquoted (so
/// PostgreSQL folds it to lower case, as psql would), optionally schema-qualified.
public struct DatabaseMap: Sendable, Equatable {
    /// One mapped table.
    public struct Table: Sendable, Equatable {
        /// The table, as written (an identifier, or `schema.table`).
        public var name: String
        /// The SQL condition selecting one customer's rows; holds `$1`.
        public var condition: String
        /// The line of the table's entry in the file.
        public var line: Int

        /// Creates a table entry.
        public init(name: String, condition: String, line: Int) { (self.name, self.condition, self.line) = (name, condition, line) }
    }

    /// The query listing customers that have rows (one text column), or nil.
    public var customersQuery: String?
    /// The line of `customers`, when given.
    public var customersLine: Int?
    /// The tables, in file order.
    public var tables: [Table]
    /// The file the map was read from, as given to the loader.
    public var sourceFile: String

    /// Creates a map.
    public init(customersQuery: String?, customersLine: Int?, tables: [Table], sourceFile: String) {
        (self.customersQuery, self.customersLine, self.tables, self.sourceFile) = (customersQuery, customersLine, tables, sourceFile)
    }
}
