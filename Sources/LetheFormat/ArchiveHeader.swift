import Foundation
import LetheCore

/// The header of one stored copy of an archive.
///
/// Archive-level fields (pseudonym, set, archive, created, base archive, chunk size) are the
/// same in every copy and are also bound into the encrypted body; copy-level fields (delete-by,
/// expiry key id) belong to one copy and are authenticated by unwrapping that copy's data key.
/// Customer and expiry key ids are fingerprints (`SecretKey.id`), never key bytes.
///
/// A header parsed by `SealedArchive.open` is **unauthenticated** until `SealedArchive.unseal`
/// succeeds: use its fields only to look keys up.
public struct ArchiveHeader: Equatable, Sendable {
    /// The format version this Lethe writes and reads.
    public static let formatVersion: UInt16 = 1
    /// Plaintext bytes per body chunk unless told otherwise (1 MiB).
    public static let defaultChunkSize = 1 << 20
    /// The chunk sizes writers may use and readers accept (1 KiB to 16 MiB).
    public static let chunkSizeRange = 1024...(16 << 20)
    /// The longest identifier (pseudonym, set id, archive id, key id) a header holds, in bytes.
    public static let maxIdentifierLength = 128

    /// The customer's pseudonym.
    public let pseudonym: Pseudonym
    /// The set this archive belongs to.
    public let setID: SetID
    /// The archive (shared by all its copies).
    public let archiveID: ArchiveID
    /// When the archive was written, in whole seconds.
    public let created: Date
    /// When this copy must be gone, in whole seconds (copy-level).
    public let deleteBy: Date
    /// The fingerprint of the customer key.
    public let customerKeyID: KeyID
    /// The fingerprint of this copy's expiry key (copy-level).
    public let expiryKeyID: KeyID
    /// The archive this one is a difference against; nil for a full archive.
    public let baseArchiveID: ArchiveID?
    /// Plaintext bytes per body chunk.
    public let chunkSize: Int

    /// Makes a header; `created` and `deleteBy` are truncated to whole seconds.
    ///
    /// Values are checked when the header is written (`ArchiveWriter` throws `malformedHeader`).
    public init(pseudonym: Pseudonym, setID: SetID, archiveID: ArchiveID, created: Date, deleteBy: Date,
                customerKeyID: KeyID, expiryKeyID: KeyID, baseArchiveID: ArchiveID? = nil,
                chunkSize: Int = ArchiveHeader.defaultChunkSize) {
        self.pseudonym = pseudonym
        self.setID = setID
        self.archiveID = archiveID
        self.created = ArchiveHeader.wholeSeconds(created)
        self.deleteBy = ArchiveHeader.wholeSeconds(deleteBy)
        self.customerKeyID = customerKeyID
        self.expiryKeyID = expiryKeyID
        self.baseArchiveID = baseArchiveID
        self.chunkSize = chunkSize
    }

    /// The header of another copy of the same archive: same archive-level fields, its own
    /// delete-by and expiry key.
    public func forCopy(deleteBy: Date, expiryKeyID: KeyID) -> ArchiveHeader {
        ArchiveHeader(pseudonym: pseudonym, setID: setID, archiveID: archiveID, created: created,
                      deleteBy: deleteBy, customerKeyID: customerKeyID, expiryKeyID: expiryKeyID,
                      baseArchiveID: baseArchiveID, chunkSize: chunkSize)
    }

    /// The name of the first archive-level field in which `other` differs, or nil if none does.
    ///
    /// Archive-level fields: pseudonym, set id, archive id, created, base archive id, chunk size.
    public func archiveLevelDifference(from other: ArchiveHeader) -> String? {
        if pseudonym != other.pseudonym { return "pseudonym" }
        if setID != other.setID { return "set id" }
        if archiveID != other.archiveID { return "archive id" }
        if created != other.created { return "created" }
        if baseArchiveID != other.baseArchiveID { return "base archive id" }
        if chunkSize != other.chunkSize { return "chunk size" }
        return nil
    }

    /// Checks every field against what the format allows.
    ///
    /// - Throws: `FormatError.malformedHeader` naming the first bad field.
    public func validate() throws {
        try Self.checkIdentifier(pseudonym.rawValue, "pseudonym")
        try Self.checkIdentifier(setID.rawValue, "set id")
        try Self.checkIdentifier(archiveID.rawValue, "archive id")
        try Self.checkIdentifier(customerKeyID.rawValue, "customer key id")
        try Self.checkIdentifier(expiryKeyID.rawValue, "expiry key id")
        if let base = baseArchiveID { try Self.checkIdentifier(base.rawValue, "base archive id") }
        guard Self.chunkSizeRange.contains(chunkSize) else {
            throw FormatError.malformedHeader("chunk size \(chunkSize) is outside \(Self.chunkSizeRange.lowerBound)...\(Self.chunkSizeRange.upperBound)")
        }
        for (date, field) in [(created, "created"), (deleteBy, "delete-by")] {
            guard Self.wholeSeconds(date) == date, Self.secondsRange.contains(date.timeIntervalSince1970) else {
                throw FormatError.malformedHeader("\(field) must be whole seconds between the years 1 and 9999")
            }
        }
    }

    /// Seconds since 1970 of 0001-01-01T00:00:00Z ... 9999-12-31T23:59:59Z.
    static let secondsRange: ClosedRange<Double> = -62_135_596_800 ... 253_402_300_799

    static func wholeSeconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }

    /// Identifiers are 1...128 bytes of `A-Z a-z 0-9 . _ -`, never "." or "..": safe in paths and logs.
    static func checkIdentifier(_ value: String, _ field: String) throws {
        let bytes = Array(value.utf8)
        guard !bytes.isEmpty, bytes.count <= maxIdentifierLength else {
            throw FormatError.malformedHeader("\(field) must be 1 to \(maxIdentifierLength) bytes long")
        }
        guard value != ".", value != "..", bytes.allSatisfy(isIdentifierByte) else {
            throw FormatError.malformedHeader("\(field) may hold only letters, digits, '.', '_' and '-'")
        }
    }

    private static func isIdentifierByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)
            || b == 0x2e || b == 0x5f || b == 0x2d
    }
}
