import LetheCore
import LetheCrypto

/// An archive whose header has been parsed but not yet authenticated.
///
/// Made by `SealedArchive.open`. Its `header` is **unauthenticated**: use it only to decide
/// which keys to look up, then call `unseal`, which authenticates every header byte before
/// any body byte is read.
public final class SealedArchive {
    /// The parsed header. Not authenticated until `unseal` succeeds.
    public let header: ArchiveHeader

    let prefix: [UInt8]
    let wrappedKey: [UInt8]
    let streamHeader: [UInt8]
    let input: any ByteSource
    private var unsealed = false

    /// Parses the start of an archive: magic, version, header, wrapped data key, stream header.
    ///
    /// Nothing is authenticated yet: `header` is only a hint until `unseal`.
    /// - Throws: `FormatError.notAnArchive`, `unsupportedVersion`, `malformedHeader`, or
    ///   `truncated(afterChunks: 0)` if the input ends before the first chunk; what `input` throws.
    public static func open(_ input: any ByteSource) throws -> SealedArchive {
        let magic = try input.read(upTo: ArchiveLayout.magic.count)
        guard magic == ArchiveLayout.magic else { throw FormatError.notAnArchive }
        let fixed = try input.read(upTo: 6)
        guard fixed.count == 6 else { throw FormatError.malformedHeader("the archive ends inside its header") }
        let version = UInt16(fixed[0]) << 8 | UInt16(fixed[1])
        guard version == ArchiveHeader.formatVersion else { throw FormatError.unsupportedVersion(version) }
        let bodyCount = fixed[2...5].reduce(0) { $0 << 8 | Int($1) }
        guard bodyCount > 0, bodyCount <= ArchiveLayout.maxHeaderBodyCount else {
            throw FormatError.malformedHeader("header length \(bodyCount) is outside 1...\(ArchiveLayout.maxHeaderBodyCount)")
        }
        let body = try input.read(upTo: bodyCount)
        guard body.count == bodyCount else { throw FormatError.malformedHeader("the archive ends inside its header") }
        let header = try ArchiveHeader.decodeBody(body)
        let wrapped = try input.read(upTo: KeyWrap.wrappedByteCount)
        guard wrapped.count == KeyWrap.wrappedByteCount else { throw FormatError.truncated(afterChunks: 0) }
        let streamHeader = try input.read(upTo: SecretStream.headerByteCount)
        guard streamHeader.count == SecretStream.headerByteCount else { throw FormatError.truncated(afterChunks: 0) }
        return SealedArchive(header: header, prefix: magic + fixed + body, wrappedKey: wrapped,
                             streamHeader: streamHeader, input: input)
    }

    init(header: ArchiveHeader, prefix: [UInt8], wrappedKey: [UInt8], streamHeader: [UInt8], input: any ByteSource) {
        self.header = header
        self.prefix = prefix
        self.wrappedKey = wrappedKey
        self.streamHeader = streamHeader
        self.input = input
    }

    /// Authenticates the header with the copy's keys and returns a reader of the plaintext.
    ///
    /// - Parameters:
    ///   - customerKey: the key the header's `customerKeyID` names.
    ///   - expiryKey: the key the header's `expiryKeyID` names.
    /// - Throws: `FormatError.keyMismatch` if the keys are not those the header names;
    ///   `FormatError.headerAuthenticationFailed` if the header or wrapped key was altered.
    public func unseal(customerKey: SecretKey, expiryKey: SecretKey) throws -> ArchiveReader {
        try ArchiveWriter.checkKeys(header: header, customerKey: customerKey, expiryKey: expiryKey)
        return try unseal(wrappingKey: KeyDerivation.copyWrappingKey(customerKey: customerKey, expiryKey: expiryKey))
    }

    /// Unwraps the data key under `wrappingKey`, authenticating every header byte, and returns
    /// a reader of the plaintext. Call it once.
    ///
    /// - Throws: `FormatError.headerAuthenticationFailed` for a wrong key, or a header or wrapped
    ///   key that was altered, re-dated or swapped.
    public func unseal(wrappingKey: SecretKey) throws -> ArchiveReader {
        precondition(!unsealed, "SealedArchive.unseal called twice: the input is shared")
        let dataKey: SecretKey
        do {
            dataKey = try KeyWrap.unwrap(wrappedKey, under: wrappingKey, context: prefix)
        } catch is CryptoError {
            throw FormatError.headerAuthenticationFailed
        }
        unsealed = true
        return try ArchiveReader(header: header, dataKey: dataKey, streamHeader: streamHeader, input: input)
    }
}
