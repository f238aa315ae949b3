import LetheCore

/// One copy as `lethe list archives` shows it (the fields DESIGN.md names, and a few more).
public struct CopyListing: Encodable, Sendable, Equatable {
    public var pseudonym: String
    public var set: String
    public var archive: String
    /// The archive this one is a differential against (`null` for a full archive).
    @NullWhenAbsent public var base: String?
    public var `class`: String
    public var location: String
    public var object_key: String
    public var created: String
    public var delete_by: String
    public var state: String
    public var bytes: Int64
    public var version_id: String?
    public var locked_until: String?
    /// What `lethe verify` found wrong with the copy (`missing`, `wrong_size`, `still_stored`,
    /// `damaged`, `unreadable`) until a later verify finds it whole; absent when nothing.
    public var finding: String?
    /// When that was found (absent with `finding`).
    public var found: String?
}
