import Foundation
import LetheCore

/// Reads an archive's listing (its manifest) without writing anything: the stream goes through
/// the same checks as an unpack (``SafeArchiveReader``: the entry rules, the manifest against
/// the entries, the source read to its end so the decryptor underneath checks its final tag),
/// and file contents are read through and dropped.
///
/// `verify --copies` uses it to compare a differential's unchanged files with its base's
/// listing (``ArchiveListing/checkTakenFiles(against:baseArchive:)``) without restoring either.
public enum TarListingReader {
    /// The listing of the archive `input` holds.
    ///
    /// - Throws: `TarError` (an entry or manifest that an unpack would refuse), or `input`'s own
    ///   error unchanged (e.g. an authentication failure).
    public static func listing(from input: any ByteSource) throws -> ArchiveListing {
        let reader = try SafeArchiveReader(from: input)
        // Entries' data is skipped: libarchive reads it through (the source cannot seek).
        try reader.run { _, _ in }
        guard let declared = reader.declared else { throw TarError.manifestMissing }
        return ArchiveListing(manifest: declared)
    }
}
