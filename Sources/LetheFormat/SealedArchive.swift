import LetheCore
import LetheCrypto

/// An archive whose header has been parsed but not yet authenticated.
///
/// Made by `ArchiveReader.open`. Its `header` is **unauthenticated**: use it only to decide
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
