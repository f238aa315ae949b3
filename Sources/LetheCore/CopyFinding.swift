import Foundation

/// What `lethe verify` found wrong with one catalogued copy, kept in the catalog until a later
/// check of the same kind finds the copy whole (or the copy leaves the state it was found in:
/// deleted by expiry, shredded). `lethe list archives` and the report show it.
public struct CopyFinding: Sendable, Equatable, Codable {
    /// Which check found it; each check clears only its own findings.
    public enum Check: String, Sendable, Codable, CaseIterable {
        /// `lethe verify`: the catalog against each store's listing.
        case structure
        /// `lethe verify --copies`: every byte read back and authenticated.
        case copies
    }

    /// What is wrong.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Not in its store, though the catalog says it is stored.
        case missing
        /// Stored with another size than the catalog recorded.
        case wrongSize = "wrong_size"
        /// Still stored, though the catalog recorded it deleted.
        case stillStored = "still_stored"
        /// Read back, but did not authenticate (tampered, truncated, swapped).
        case damaged
        /// Could not be read back for another reason (a store error, a key that would not open).
        case unreadable
    }

    /// The copy's catalog row id.
    public var copyID: Int64
    /// The check that found it.
    public var check: Check
    /// What it found.
    public var kind: Kind
    /// When (the verify run's clock).
    public var found: Date

    /// A finding on copy `copyID`.
    public init(copyID: Int64, check: Check, kind: Kind, found: Date) {
        (self.copyID, self.check, self.kind, self.found) = (copyID, check, kind, found)
    }
}
