/// One set as `lethe list sets` shows it.
///
/// Named as everywhere else: `set` for its id (as in `list archives`, the report and the
/// ledger), `failed` for the customers it did not back up (as the ledger's `set.finished` and
/// the `backup.finished` log line count them).
public struct SetListing: Codable, Sendable, Equatable {
    /// The set's id.
    public var set: String
    /// When it was created (ISO 8601, UTC).
    public var created: String
    /// Its retention class.
    public var `class`: String
    /// Customers it holds (committed).
    public var customers: Int
    /// Customers it did not back up.
    public var failed: Int
    /// Its state.
    public var state: String
    /// The policy file it was classified under (file name).
    public var policy: String
}
