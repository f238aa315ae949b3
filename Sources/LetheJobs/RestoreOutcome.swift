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
}
