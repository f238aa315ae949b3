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
    /// Copies an archive under a new header, re-wrapping its data key.
    ///
    /// - Parameters:
    ///   - input: the source copy.
    ///   - sourceWrappingKey: the key the source's data key is wrapped under.
    ///   - header: the new copy's header: same archive-level fields as the source (pseudonym,
    ///     set, archive, created, base archive, chunk size); delete-by and key ids may differ.
    ///   - wrappingKey: the key to wrap the data key under in the new copy.
    ///   - output: where the new copy's bytes go.
    /// - Throws: `FormatError.mismatch` if an archive-level field differs; any error of reading
    ///   the source (`headerAuthenticationFailed`, `chunkAuthenticationFailed`, `truncated`, ...);
    ///   `malformedHeader` for an invalid new header; what `output` throws.
    public static func rewrap(from input: any ByteSource, sourceWrappingKey: SecretKey,
                              to header: ArchiveHeader, wrappingKey: SecretKey, output: any ByteSink) throws {
        let sealed = try ArchiveReader.open(input)
        let reader = try sealed.unseal(wrappingKey: sourceWrappingKey)
        try copy(reader, to: header, wrappingKey: wrappingKey, output: output)
    }

    /// Copies an archive under a new header, with the data key wrapped under the customer key
    /// and the new copy's expiry key.
    ///
    /// - Parameters:
    ///   - input: the source copy.
    ///   - customerKey: the customer's key (names in both headers must match it).
    ///   - sourceExpiryKey: the expiry key of the source copy.
    ///   - header: the new copy's header (see `rewrap(from:sourceWrappingKey:to:wrappingKey:output:)`).
    ///   - expiryKey: the expiry key of the new copy's delete-by date.
    ///   - output: where the new copy's bytes go.
    /// - Throws: `FormatError.keyMismatch` if a header names other keys, and everything the
    ///   other `rewrap` throws.
    public static func rewrap(from input: any ByteSource, customerKey: SecretKey, sourceExpiryKey: SecretKey,
                              to header: ArchiveHeader, expiryKey: SecretKey, output: any ByteSink) throws {
        try ArchiveWriter.checkKeys(header: header, customerKey: customerKey, expiryKey: expiryKey)
        let sealed = try ArchiveReader.open(input)
        let reader = try sealed.unseal(customerKey: customerKey, expiryKey: sourceExpiryKey)
        try copy(reader, to: header,
                 wrappingKey: KeyDerivation.copyWrappingKey(customerKey: customerKey, expiryKey: expiryKey),
                 output: output)
    }

    /// Makes another copy with its own delete-by date (an offsite copy): the new header is the
    /// source's authenticated header with the delete-by and expiry key id replaced.
    ///
    /// - Throws: everything the other `rewrap` throws.
    public static func rewrap(from input: any ByteSource, customerKey: SecretKey, sourceExpiryKey: SecretKey,
                              deleteBy: Date, expiryKey: SecretKey, output: any ByteSink) throws {
        let sealed = try ArchiveReader.open(input)
        let reader = try sealed.unseal(customerKey: customerKey, expiryKey: sourceExpiryKey)
        let header = reader.header.forCopy(deleteBy: deleteBy, expiryKeyID: expiryKey.id)
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
