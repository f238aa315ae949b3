internal import CSodium

/// The sizes of libsodium's secretstream (XChaCha20-Poly1305), the cipher of archive bodies.
public enum SecretStream {
    /// The length of the stream header the encryptor makes and the decryptor needs (24 bytes).
    public static let headerByteCount = Int(crypto_secretstream_xchacha20poly1305_HEADERBYTES)
    /// How many bytes each message grows when encrypted (17: a tag byte and a 16-byte MAC).
    public static let overheadByteCount = Int(crypto_secretstream_xchacha20poly1305_ABYTES)

    static let tagMessage = crypto_secretstream_xchacha20poly1305_tag_message()
    static let tagFinal = crypto_secretstream_xchacha20poly1305_tag_final()
}

/// Owns one secretstream state; wipes and frees it on deinit.
final class SecretStreamState {
    let pointer: UnsafeMutablePointer<crypto_secretstream_xchacha20poly1305_state>

    init() {
        Sodium.ensureInitialized()
        pointer = .allocate(capacity: 1)
        SecureMemory.zero(UnsafeMutableRawBufferPointer(start: pointer, count: MemoryLayout<crypto_secretstream_xchacha20poly1305_state>.size))
    }

    deinit {
        SecureMemory.zero(UnsafeMutableRawBufferPointer(start: pointer, count: MemoryLayout<crypto_secretstream_xchacha20poly1305_state>.size))
        pointer.deallocate()
    }
}

/// Encrypts a sequence of messages with crypto_secretstream_xchacha20poly1305.
///
/// Each message is authenticated, and so is its place in the sequence; the last one carries
/// the FINAL tag, so a reader can tell a complete stream from a truncated one. The state is
/// wiped when the encryptor is released.
public final class SecretStreamEncryptor {
    /// The 24-byte stream header; the decryptor needs it. Random for every stream.
    public let header: [UInt8]
    private let state = SecretStreamState()
    private var finished = false

    /// Starts a stream under `key` with a fresh random header.
    public init(key: SecretKey) {
        var header = [UInt8](repeating: 0, count: SecretStream.headerByteCount)
        let state = self.state
        let result = key.withUnsafeBytes { k in
            header.withUnsafeMutableBufferPointer { h in
                crypto_secretstream_xchacha20poly1305_init_push(
                    state.pointer, h.baseAddress!, k.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        guard result == 0 else { fatalError("crypto_secretstream_xchacha20poly1305_init_push failed") }
        self.header = header
    }

    /// Encrypts one message into `output`, which must hold `plaintext.count + 17` bytes.
    ///
    /// - Parameters:
    ///   - plaintext: the message.
    ///   - final: true for the last message of the stream (TAG_FINAL); nothing may follow it.
    ///   - associatedData: bytes authenticated with this message but not stored in it.
    ///   - output: where the ciphertext goes.
    /// - Returns: the number of bytes written (`plaintext.count + 17`).
    /// - Throws: `CryptoError.streamFinished` after the final message.
    @discardableResult
    public func push(_ plaintext: UnsafeRawBufferPointer, final: Bool,
                     associatedData: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
                     into output: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !finished else { throw CryptoError.streamFinished }
        let needed = plaintext.count + SecretStream.overheadByteCount
        precondition(output.count >= needed, "SecretStreamEncryptor.push: output buffer too small")
        var written: UInt64 = 0
        let result = plaintext.withBytePointer { m in
            associatedData.withBytePointer { ad in
                crypto_secretstream_xchacha20poly1305_push(
                    state.pointer, output.baseAddress!.assumingMemoryBound(to: UInt8.self), &written,
                    m, UInt64(plaintext.count), ad, UInt64(associatedData.count),
                    final ? SecretStream.tagFinal : SecretStream.tagMessage)
            }
        }
        guard result == 0, written == UInt64(needed) else {
            throw CryptoError.sodiumFailed("crypto_secretstream_xchacha20poly1305_push")
        }
        if final { finished = true }
        return needed
    }

    /// Encrypts one message and returns its ciphertext (`plaintext.count + 17` bytes).
    ///
    /// - Throws: `CryptoError.streamFinished` after the final message.
    public func push(_ plaintext: UnsafeRawBufferPointer, final: Bool, associatedData: [UInt8] = []) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: plaintext.count + SecretStream.overheadByteCount)
        try output.withUnsafeMutableBytes { out in
            try associatedData.withUnsafeBytes { ad in
                _ = try push(plaintext, final: final, associatedData: ad, into: out)
            }
        }
        return output
    }
}

/// Decrypts and authenticates a stream made by `SecretStreamEncryptor`.
///
/// Every message is authenticated before any of its bytes are returned. The caller must keep
/// reading until a message says it is final: a stream that ends earlier was truncated.
public final class SecretStreamDecryptor {
    private let state = SecretStreamState()
    private var finished = false

    /// Starts reading a stream under `key`, given its 24-byte header.
    ///
    /// - Throws: `CryptoError.invalidLength` if `header` is not 24 bytes.
    public init(key: SecretKey, header: [UInt8]) throws {
        guard header.count == SecretStream.headerByteCount else {
            throw CryptoError.invalidLength(what: "a secret stream header", expected: SecretStream.headerByteCount, actual: header.count)
        }
        let state = self.state
        let result = key.withUnsafeBytes { k in
            header.withUnsafeBufferPointer { h in
                crypto_secretstream_xchacha20poly1305_init_pull(
                    state.pointer, h.baseAddress!, k.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        guard result == 0 else { throw CryptoError.authenticationFailed(what: "the secret stream header") }
    }

    /// Decrypts one message into `output`, which must hold `ciphertext.count - 17` bytes.
    ///
    /// - Parameters:
    ///   - ciphertext: one encrypted message, exactly as `push` produced it.
    ///   - associatedData: the same bytes given to `push` for this message.
    ///   - output: where the plaintext goes.
    /// - Returns: the plaintext length and whether this message was the final one.
    /// - Throws: `CryptoError.authenticationFailed` if the message is altered, out of order,
    ///   from another stream, or shorter than 17 bytes; `CryptoError.streamFinished` after the
    ///   final message.
    public func pull(_ ciphertext: UnsafeRawBufferPointer,
                     associatedData: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
                     into output: UnsafeMutableRawBufferPointer) throws -> (count: Int, final: Bool) {
        guard !finished else { throw CryptoError.streamFinished }
        guard ciphertext.count >= SecretStream.overheadByteCount else {
            throw CryptoError.authenticationFailed(what: "a secret stream message")
        }
        let expected = ciphertext.count - SecretStream.overheadByteCount
        precondition(output.count >= expected, "SecretStreamDecryptor.pull: output buffer too small")
        var written: UInt64 = 0
        var tag: UInt8 = 0
        let result = withUnsafeTemporaryAllocation(byteCount: 1, alignment: 1) { scratch in
            let out = (output.baseAddress ?? scratch.baseAddress!).assumingMemoryBound(to: UInt8.self)
            return ciphertext.withBytePointer { c in
                associatedData.withBytePointer { ad in
                    crypto_secretstream_xchacha20poly1305_pull(
                        state.pointer, out, &written, &tag, c, UInt64(ciphertext.count), ad, UInt64(associatedData.count))
                }
            }
        }
        guard result == 0, written == UInt64(expected) else {
            throw CryptoError.authenticationFailed(what: "a secret stream message")
        }
        // Lethe writes only MESSAGE and FINAL tags; anything else is not ours.
        if tag == SecretStream.tagFinal {
            finished = true
            return (expected, true)
        }
        guard tag == SecretStream.tagMessage else {
            throw CryptoError.authenticationFailed(what: "a secret stream message (unexpected tag)")
        }
        return (expected, false)
    }

    /// Decrypts one message and returns its plaintext and whether it was final.
    ///
    /// - Throws: as `pull(_:associatedData:into:)`.
    public func pull(_ ciphertext: UnsafeRawBufferPointer, associatedData: [UInt8] = []) throws -> (plaintext: [UInt8], final: Bool) {
        var output = [UInt8](repeating: 0, count: max(ciphertext.count - SecretStream.overheadByteCount, 0))
        let (_, final) = try output.withUnsafeMutableBytes { out in
            try associatedData.withUnsafeBytes { ad in try pull(ciphertext, associatedData: ad, into: out) }
        }
        return (output, final)
    }
}
