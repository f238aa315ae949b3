import Foundation
import LetheCore
import LetheCrypto

/// Makes another copy of an archive (e.g. offsite) with its own header and wrapped data key.
///
/// The body (stream header and chunks) is copied byte for byte, so both copies share it; only
/// the header and the wrapped data key are new. The source is fully verified on the way: its
/// header must authenticate, every chunk must authenticate, and it must end with its final
/// chunk and nothing after. If it does not, an error is thrown part-way and the output must be
/// discarded (object stores discard a `put` whose body throws). Memory use is flat.
public enum ArchiveCopier {
    /// Makes another copy with its own delete-by date (an offsite copy): the new header is the
    /// source's authenticated header with the delete-by and expiry key id replaced.
    ///
    /// - Parameters:
    ///   - input: the source copy.
    ///   - customerKey: the customer's key (names in both headers must match it).
    ///   - sourceExpiryKey: the expiry key of the source copy.
    ///   - deleteBy: the new copy's delete-by date.
    ///   - expiryKey: the expiry key of the new copy's delete-by date.
    ///   - output: where the new copy's bytes go.
    /// - Throws: any error of reading the source (`headerAuthenticationFailed`,
    ///   `chunkAuthenticationFailed`, `truncated`, ...); what `output` throws.
    public static func rewrap(from input: any ByteSource, customerKey: SecretKey, sourceExpiryKey: SecretKey,
                              deleteBy: Date, expiryKey: SecretKey, output: any ByteSink) throws {
        try rewrap(from: input, customerKey: customerKey, sourceExpiryKey: sourceExpiryKey, expiryKey: expiryKey,
                   output: output) { $0.forCopy(deleteBy: deleteBy, expiryKeyID: expiryKey.id) }
    }

    /// Copies an archive under the header `newHeader` makes from the source's authenticated one.
    ///
    /// - Throws: `FormatError.keyMismatch` if the new header names other keys;
    ///   `FormatError.mismatch` if it changes an archive-level field (pseudonym, set, archive,
    ///   created, base archive, chunk size); `malformedHeader` if it is invalid; everything the
    ///   public `rewrap` throws.
    static func rewrap(from input: any ByteSource, customerKey: SecretKey, sourceExpiryKey: SecretKey,
                       expiryKey: SecretKey, output: any ByteSink,
                       newHeader: (ArchiveHeader) -> ArchiveHeader) throws {
        let reader = try SealedArchive.open(input).unseal(customerKey: customerKey, expiryKey: sourceExpiryKey)
        let header = newHeader(reader.header)
        try ArchiveWriter.checkKeys(header: header, customerKey: customerKey, expiryKey: expiryKey)
        try copy(reader, to: header,
                 wrappingKey: KeyDerivation.copyWrappingKey(customerKey: customerKey, expiryKey: expiryKey),
                 output: output)
    }

    private static func copy(_ reader: ArchiveReader, to header: ArchiveHeader, wrappingKey: SecretKey,
                             output: any ByteSink) throws {
        try header.validate()
        if let field = reader.header.archiveLevelDifference(from: header) {
            throw FormatError.mismatch(field: field)
        }
        let prefix = header.encodedPrefix()
        try output.write(prefix)
        try output.write(KeyWrap.wrap(reader.dataKey, under: wrappingKey, context: prefix))
        reader.verifiedCiphertext = { try output.write($0) }
        try reader.verifyToEnd()
    }
}
