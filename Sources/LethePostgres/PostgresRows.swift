/// What a statement returned: column names and rows of text (nil for NULL), as PostgreSQL's
/// text output writes each value.
public struct PostgresRows: Sendable, Equatable {
    /// The column names, in order.
    public var columns: [String]
    /// The rows; each holds one value per column.
    public var rows: [[String?]]

    /// Creates a result.
    public init(columns: [String], rows: [[String?]]) { (self.columns, self.rows) = (columns, rows) }
}
