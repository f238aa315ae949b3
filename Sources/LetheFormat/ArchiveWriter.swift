import LetheCore
import LetheCrypto

/// Writes one copy of an archive: header, wrapped data key, then the encrypted body.
///
/// Plaintext written to it goes straight into the encryptor; at most one chunk of plaintext
/// is held in memory (wiped when the writer is released) and nothing touches disk but
/// ciphertext. Call `finish()` to write the final chunk: an archive without it is refused by
/// readers as truncated. If any write fails, the writer is closed and the output must be
/// discarded (the object stores do this for a `put` whose body throws).
public final class ArchiveWriter: ByteSink {
    /// The header written at the start of the output.
    public let header: ArchiveHeader

    private let output: any ByteSink
    private let encryptor: SecretStreamEncryptor
    private let associatedData: [UInt8]
    private let plain: UnsafeMutableRawBufferPointer
    private var filled = 0
    /// How much of `plain` has ever held plaintext: what `wipePlaintext` must overwrite.
    private var used = 0
    private let frame: UnsafeMutableRawBufferPointer
    private var open = true

    /// Starts an archive whose data key is wrapped under the customer key and expiry key.
    ///
    /// A fresh random data key is made for this archive. The wrapping key is
    /// `KeyDerivation.copyWrappingKey(customerKey:expiryKey:)`.
    /// - Parameters:
    ///   - header: the copy's header; its key ids must be `customerKey.id` and `expiryKey.id`.
    ///   - customerKey: the customer's key.
    ///   - expiryKey: the key of this copy's delete-by date.
    ///   - output: where the archive's bytes go.
    /// - Throws: `FormatError.keyMismatch` if the header names other keys,
    ///   `FormatError.malformedHeader` for an invalid header, or what `output` throws.
    public convenience init(header: ArchiveHeader, customerKey: SecretKey, expiryKey: SecretKey, output: any ByteSink) throws {
        try ArchiveWriter.checkKeys(header: header, customerKey: customerKey, expiryKey: expiryKey)
        try self.init(header: header, dataKey: SecretKey.random(),
                      wrappingKey: KeyDerivation.copyWrappingKey(customerKey: customerKey, expiryKey: expiryKey),
                      output: output)
    }

    /// Starts an archive whose fresh random data key is wrapped under `wrappingKey`.
    ///
    /// Writes the header, the wrapped data key and the stream header at once.
    /// - Throws: `FormatError.malformedHeader` for an invalid header, or what `output` throws.
    public convenience init(header: ArchiveHeader, wrappingKey: SecretKey, output: any ByteSink) throws {
        try self.init(header: header, dataKey: SecretKey.random(), wrappingKey: wrappingKey, output: output)
    }

    /// Starts an archive with a given data key. Only for tests: a data key must never be reused.
    init(header: ArchiveHeader, dataKey: SecretKey, wrappingKey: SecretKey, output: any ByteSink) throws {
        try header.validate()
        self.header = header
        self.output = output
        let prefix = header.encodedPrefix()
        let wrapped = KeyWrap.wrap(dataKey, under: wrappingKey, context: prefix)
        encryptor = SecretStreamEncryptor(key: dataKey)
        associatedData = header.bodyAssociatedData()
        // Raw, not zeroed (a chunk is 1 MiB and most archives fill less than one): only bytes
        // written are ever read, and the plaintext ones are wiped by `wipePlaintext`.
        plain = .allocate(byteCount: header.chunkSize, alignment: 16)
        frame = .allocate(byteCount: ArchiveLayout.chunkLengthCount + header.chunkSize + SecretStream.overheadByteCount,
                          alignment: 16)
        try output.write(prefix)
        try output.write(wrapped)
        try output.write(encryptor.header)
    }

    deinit {
        wipePlaintext()
        plain.deallocate()
        frame.deallocate()
    }

    /// Overwrites every byte of `plain` that ever held plaintext.
    private func wipePlaintext() {
        SecureMemory.zero(UnsafeMutableRawBufferPointer(rebasing: plain[0..<used]))
        used = 0
    }

    static func checkKeys(header: ArchiveHeader, customerKey: SecretKey, expiryKey: SecretKey) throws {
        let customerID = customerKey.id, expiryID = expiryKey.id
        guard header.customerKeyID == customerID else {
            throw FormatError.keyMismatch(which: "customer key", expected: header.customerKeyID.rawValue, actual: customerID.rawValue)
        }
        guard header.expiryKeyID == expiryID else {
            throw FormatError.keyMismatch(which: "expiry key", expected: header.expiryKeyID.rawValue, actual: expiryID.rawValue)
        }
    }

    /// Encrypts `bytes` into the archive, a chunk at a time.
    ///
    /// - Throws: `FormatError.writerClosed` after `finish()` or a failure, or what the output throws.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard open else { throw FormatError.writerClosed }
        var offset = 0
        while offset < bytes.count {
            if filled == plain.count {
                // A full chunk is pushed only once more bytes come, so the last chunk can be full.
                try pushChunk(final: false)
            }
            let n = min(bytes.count - offset, plain.count - filled)
            UnsafeMutableRawBufferPointer(rebasing: plain[filled..<filled + n])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + n]))
            filled += n
            used = max(used, filled)
            offset += n
        }
    }

    /// Writes the final chunk (possibly empty), which marks the archive complete.
    ///
    /// - Throws: `FormatError.writerClosed` if already finished or failed, or what the output throws.
    public func finish() throws {
        guard open else { throw FormatError.writerClosed }
        try pushChunk(final: true)
        open = false
        wipePlaintext()
    }

    private func pushChunk(final: Bool) throws {
        do {
            // A chunk on disk: u32be(plaintext length) || secretstream message.
            let length = UInt32(filled)
            for i in 0..<ArchiveLayout.chunkLengthCount {
                frame[i] = UInt8(truncatingIfNeeded: length >> UInt32(8 * (ArchiveLayout.chunkLengthCount - 1 - i)))
            }
            let count = try associatedData.withUnsafeBytes { ad in
                try encryptor.push(UnsafeRawBufferPointer(rebasing: plain[0..<filled]), final: final, associatedData: ad,
                                   into: UnsafeMutableRawBufferPointer(rebasing: frame[ArchiveLayout.chunkLengthCount...]))
            }
            filled = 0
            try output.write(UnsafeRawBufferPointer(rebasing: frame[0..<ArchiveLayout.chunkLengthCount + count]))
        } catch {
            open = false
            wipePlaintext()
            throw error
        }
    }
}
