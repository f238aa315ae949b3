import LetheCore

/// What an export wrote (`export --json`).
public struct ExportOutcome: Codable, Sendable {
    /// Whose copy was read.
    public var pseudonym: Pseudonym
    /// The set it was read from.
    public var set: SetID
    /// Where the copy read is stored.
    public var location: Location
    /// The file written, or `ExportJob.standardOutput` for a stream.
    public var output: String
    /// The format written.
    public var format: ExportFormat
    /// The bytes written.
    public var bytes: Int64
}
