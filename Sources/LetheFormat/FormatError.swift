import LetheCore

/// What can go wrong writing, reading or copying an archive.
///
/// Cases for which `isIntegrityFailure` is true mean the bytes read are not an intact archive
/// that these keys open: altered, swapped, cut short, extended, re-dated, or not a Lethe
/// archive at all. The others are caller errors (wrong key looked up, bad header to write,
/// writer misuse) or, for `unsupportedVersion`, a newer Lethe.
public enum FormatError: Error, Equatable, CustomStringConvertible {
    /// The data does not start with the Lethe archive magic.
    case notAnArchive
    /// The archive was written by a format version this Lethe does not know.
    case unsupportedVersion(UInt16)
    /// The header cannot be parsed, or a header to be written is invalid; the reason says which field.
    case malformedHeader(String)
    /// The key given is not the one the header names (`which`: "customer key" or "expiry key").
    case keyMismatch(which: String, expected: String, actual: String)
    /// The wrapped data key did not authenticate: wrong key, or the header or wrapped key was
    /// altered (re-dated, swapped between customers or copies).
    case headerAuthenticationFailed
    /// Chunk `index` (from 0) of the body did not authenticate: altered, reordered, or from
    /// another archive (a bad stream header shows as chunk 0).
    case chunkAuthenticationFailed(index: Int)
    /// The input ended, after `afterChunks` verified chunks, before the chunk marked final
    /// (at a chunk boundary or inside a chunk).
    case truncated(afterChunks: Int)
    /// Bytes follow the final chunk.
    case trailingData
    /// A copy's header differs from the source archive in an archive-level field.
    case mismatch(field: String)
    /// The writer was finished, or failed, and cannot take more bytes.
    case writerClosed

    /// True when the stored bytes themselves are damaged, forged or swapped (exit status 3:
    /// integrity); false for caller errors, a header given to a writer, and unknown versions.
    ///
    /// `malformedHeader` counts as integrity: from a reader it means damaged bytes. A writer
    /// throws it only for an invalid header it was given, which is a bug in the caller.
    public var isIntegrityFailure: Bool { failureClass == .integrity }

    /// What happened and what to do, for people; never contains key bytes or customer ids.
    public var description: String {
        switch self {
        case .notAnArchive:
            return "this is not a Lethe archive (wrong magic bytes): check that the right object was read"
        case .unsupportedVersion(let version):
            return "archive format version \(version) is not supported by this Lethe (knows \(ArchiveHeader.formatVersion)): use the Lethe version that wrote it"
        case .malformedHeader(let why):
            return Self.restoreFromAnotherCopy("the archive header is malformed (\(why)): the archive is damaged or not what the catalog expects")
        case .keyMismatch(let which, let expected, let actual):
            return "the archive header names \(which) \(expected) but \(actual) was given: look the key up from the header, or the catalog points at the wrong archive"
        case .headerAuthenticationFailed:
            return Self.restoreFromAnotherCopy("the archive header or its wrapped key failed authentication (wrong key, or the header was altered, "
                + "re-dated or swapped): the archive was altered or is not the one the catalog expects")
        case .chunkAuthenticationFailed(let index):
            return Self.restoreFromAnotherCopy("chunk \(index) of the archive failed authentication: the archive was altered")
        case .truncated(let count):
            return Self.restoreFromAnotherCopy("the archive ends after \(Wording.count(count, "verified chunk", "verified chunks")), before its final chunk: it was cut short (an interrupted copy or upload)")
        case .trailingData:
            return Self.restoreFromAnotherCopy("unexpected bytes follow the archive's final chunk: the archive was extended or altered")
        case .mismatch(let field):
            return "the new copy's header differs from the source archive in \(field): a copy may change only its delete-by date and keys"
        case .writerClosed:
            return "the archive writer is finished or failed: start a new archive"
        }
    }

    /// A message about archive bytes that cannot be trusted, with the one remedy for all of them.
    static func restoreFromAnotherCopy(_ problem: String) -> String {
        problem + "; restore from another copy"
    }
}

extension FormatError: ClassifiedError {
    /// Integrity for damaged, forged or swapped bytes (`isIntegrityFailure`); failed for caller
    /// errors, a header given to a writer, and unknown versions.
    public var failureClass: FailureClass {
        switch self {
        case .notAnArchive, .malformedHeader, .headerAuthenticationFailed, .chunkAuthenticationFailed,
             .truncated, .trailingData:
            return .integrity
        case .unsupportedVersion, .keyMismatch, .mismatch, .writerClosed:
            return .failed
        }
    }
}
