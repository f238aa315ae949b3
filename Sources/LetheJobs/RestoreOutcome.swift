import LetheCore

/// What a restore put in place (`restore --json`).
public struct RestoreOutcome: Codable, Sendable {
    /// Whose copy was read.
    public var pseudonym: Pseudonym
    /// The set it was read from.
    public var set: SetID
    /// Where the copy read is stored.
    public var location: Location
    /// The folder restored into.
    public var target: String
    /// Regular files restored.
    public var files: Int
    /// Folders restored.
    public var directories: Int
    /// Symbolic links restored.
    public var symlinks: Int
    /// Bytes of file content restored.
    public var bytes: Int64
    /// Tables of database rows restored (`rows/<table>.csv`, the files then under `files/`);
    /// absent for an archive without rows.
    public var tables: Int? = nil
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
        case pseudonym, set, location, target, files, directories, symlinks, bytes, tables, fallback, unreadableSkipped
    }
}
