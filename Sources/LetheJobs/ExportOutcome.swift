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
    /// Why the offsite copy was read instead of the local one (the local copy is missing, or
    /// failed authentication); absent when the copy asked for (or the local one) was read.
    public var fallback: String?
    /// How many files and folders the backup left out because they could not be read
    /// (`--skip-unreadable`); absent when none were.
    public var unreadableSkipped: Int?
    /// Those paths, from the archive's manifest (relative to the customer's folder, escaped):
    /// shown on the terminal, never encoded.
    public var unreadablePaths: [String] = []

    enum CodingKeys: String, CodingKey {
        case pseudonym, set, location, output, format, bytes, fallback, unreadableSkipped
    }
}
