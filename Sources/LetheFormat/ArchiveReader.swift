import LetheCore
import LetheCrypto

/// Reads the plaintext of an archive, authenticating every chunk before returning its bytes.
///
/// Open an archive in two steps: `SealedArchive.open(_:)` parses the (unauthenticated) header
/// so the caller can look up keys; `SealedArchive.unseal` authenticates it and returns this
/// reader. `read(into:)` returns 0 only after the chunk marked final has been verified and the
/// input is confirmed to hold nothing more; truncation, appended bytes and altered chunks are
/// errors. After an error, every further read throws the same error. Memory use is flat: one
/// chunk of ciphertext and one of plaintext (wiped when the reader is released).
public final class ArchiveReader: ByteSource {
    /// The header, authenticated.
    public let header: ArchiveHeader
    /// The fingerprint of this archive's data key (shared by all copies of the archive).
    public let dataKeyID: KeyID

    let dataKey: SecretKey
    let streamHeader: [UInt8]
    private let input: any ByteSource
    private let decryptor: SecretStreamDecryptor
    private let associatedData: [UInt8]
    private var frame: [UInt8]
    private var plain: [UInt8]
    private var plainStart = 0
    private var plainEnd = 0
    private var chunksVerified = 0
    private var done = false
    private var failure: (any Error)?

    /// Called with the stream header, then with each chunk's bytes (length and ciphertext) once it is verified
    /// (the copier writes these bytes to the new copy).
    var verifiedCiphertext: ((UnsafeRawBufferPointer) throws -> Void)?

    init(header: ArchiveHeader, dataKey: SecretKey, streamHeader: [UInt8], input: any ByteSource) throws {
        self.header = header
        self.dataKey = dataKey
        self.dataKeyID = dataKey.id
        self.streamHeader = streamHeader
        self.input = input
        do {
            decryptor = try SecretStreamDecryptor(key: dataKey, header: streamHeader)
        } catch is CryptoError {
            throw FormatError.chunkAuthenticationFailed(index: 0)
        }
        associatedData = header.bodyAssociatedData()
        frame = [UInt8](repeating: 0, count: ArchiveLayout.chunkLengthCount + header.chunkSize + SecretStream.overheadByteCount)
        plain = [UInt8](repeating: 0, count: header.chunkSize)
    }

    deinit { SecureMemory.zero(&plain) }

    /// Fills `buffer` with verified plaintext; 0 only at the verified end of the archive.
    ///
    /// - Throws: `FormatError.chunkAuthenticationFailed`, `truncated`,
    ///   `trailingData`, or what the input throws.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let failure { throw failure }
        guard buffer.count > 0 else { return 0 }
        while plainStart == plainEnd {
            if done { return 0 }
            try nextChunk()
        }
        let n = min(buffer.count, plainEnd - plainStart)
        plain.withUnsafeBytes { p in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: p[plainStart..<plainStart + n]))
        }
        plainStart += n
        return n
    }

    /// Reads and verifies every remaining chunk without returning plaintext.
    func verifyToEnd() throws {
        if let failure { throw failure }
        while !done { try nextChunk() }
    }

    /// Reads, verifies and decrypts the next chunk; after the final one, checks the input is exhausted.
    ///
    /// A chunk on disk is `u32be(plaintext length) || secretstream message`; see docs/FORMAT.md.
    private func nextChunk() throws {
        do {
            if chunksVerified == 0, let verifiedCiphertext { try streamHeader.withUnsafeBytes { try verifiedCiphertext($0) } }
            let index = chunksVerified
            guard try readFully(0..<ArchiveLayout.chunkLengthCount) == ArchiveLayout.chunkLengthCount else {
                throw FormatError.truncated(afterChunks: index)
            }
            let length = frame[0..<ArchiveLayout.chunkLengthCount].reduce(0) { $0 << 8 | Int($1) }
            guard length <= header.chunkSize else {
                // An altered length field: the writer never declares more than a chunk.
                throw FormatError.chunkAuthenticationFailed(index: index)
            }
            let end = ArchiveLayout.chunkLengthCount + length + SecretStream.overheadByteCount
            guard try readFully(ArchiveLayout.chunkLengthCount..<end) == end - ArchiveLayout.chunkLengthCount else {
                throw FormatError.truncated(afterChunks: index)
            }
            let (plainCount, final): (Int, Bool)
            do {
                (plainCount, final) = try frame.withUnsafeBytes { f in
                    try plain.withUnsafeMutableBytes { p in
                        try associatedData.withUnsafeBytes { ad in
                            try decryptor.pull(UnsafeRawBufferPointer(rebasing: f[ArchiveLayout.chunkLengthCount..<end]),
                                               associatedData: ad, into: p)
                        }
                    }
                }
            } catch is CryptoError {
                throw FormatError.chunkAuthenticationFailed(index: index)
            }
            if final {
                // Nothing may follow the final chunk.
                var probe: UInt8 = 0
                let extra = try withUnsafeMutableBytes(of: &probe) { try input.read(into: $0) }
                guard extra == 0 else { throw FormatError.trailingData }
            }
            if let verifiedCiphertext {
                try frame.withUnsafeBytes { try verifiedCiphertext(UnsafeRawBufferPointer(rebasing: $0[0..<end])) }
            }
            chunksVerified += 1
            plainStart = 0
            plainEnd = plainCount
            done = final
        } catch {
            fail(error)
            throw error
        }
    }

    /// Remembers the first error (every later read throws it) and wipes the plaintext.
    private func fail(_ error: any Error) {
        failure = error
        done = true
        plainStart = 0
        plainEnd = 0
        SecureMemory.zero(&plain)
    }

    /// Fills `range` of the frame buffer from the input; returns fewer bytes only at the end of the input.
    private func readFully(_ range: Range<Int>) throws -> Int {
        var filled = 0
        while filled < range.count {
            let n = try frame.withUnsafeMutableBytes { f in
                try input.read(into: UnsafeMutableRawBufferPointer(rebasing: f[(range.lowerBound + filled)..<range.upperBound]))
            }
            if n == 0 { break }
            filled += n
        }
        return filled
    }
}
