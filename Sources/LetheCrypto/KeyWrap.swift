internal import CSodium

/// Wrapping one key under another: XChaCha20-Poly1305-IETF with a random 24-byte nonce.
///
/// The wrapped form is `nonce (24) || ciphertext (32) || tag (16)`, 72 bytes. `context` is
/// associated data: authenticated, not stored; unwrapping needs the same bytes. Use it to bind
/// the wrapped key to where it belongs (an archive header, a key-store row).
public enum KeyWrap {
    /// The length of a wrapped key: 24-byte nonce, 32-byte ciphertext, 16-byte tag.
    public static let wrappedByteCount = nonceCount + SecretKey.byteCount + tagCount

    static let nonceCount = Int(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
    static let tagCount = Int(crypto_aead_xchacha20poly1305_ietf_ABYTES)

    /// Encrypts `key` under `wrappingKey`, binding `context`.
    ///
    /// - Parameters:
    ///   - key: the key to protect.
    ///   - wrappingKey: the key that protects it.
    ///   - context: associated data that unwrapping must present again.
    /// - Returns: 72 bytes: nonce, ciphertext, tag.
    public static func wrap(_ key: SecretKey, under wrappingKey: SecretKey, context: [UInt8]) -> [UInt8] {
        Sodium.ensureInitialized()
        var output = [UInt8](repeating: 0, count: wrappedByteCount)
        output.withUnsafeMutableBytes { out in
            let nonce = UnsafeMutableRawBufferPointer(rebasing: out[0..<nonceCount])
            SecureRandom.fill(nonce)
            let cipher = out.baseAddress!.advanced(by: nonceCount).assumingMemoryBound(to: UInt8.self)
            var cipherCount: UInt64 = 0
            let result = key.withUnsafeBytes { plain in
                wrappingKey.withUnsafeBytes { k in
                    context.withUnsafeBufferPointer { ad in
                        crypto_aead_xchacha20poly1305_ietf_encrypt(
                            cipher, &cipherCount,
                            plain.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(plain.count),
                            ad.baseAddress, UInt64(ad.count), nil,
                            nonce.baseAddress!.assumingMemoryBound(to: UInt8.self),
                            k.baseAddress!.assumingMemoryBound(to: UInt8.self))
                    }
                }
            }
            guard result == 0, cipherCount == UInt64(SecretKey.byteCount + tagCount) else {
                fatalError("crypto_aead_xchacha20poly1305_ietf_encrypt failed")
            }
        }
        return output
    }

    /// Decrypts a wrapped key, checking that it was wrapped under `wrappingKey` with `context`.
    ///
    /// - Parameters:
    ///   - wrapped: the 72 bytes `wrap` returned.
    ///   - wrappingKey: the key it was wrapped under.
    ///   - context: the same associated data given to `wrap`.
    /// - Throws: `CryptoError.invalidLength` if `wrapped` is not 72 bytes;
    ///   `CryptoError.authenticationFailed` for a wrong key, a different context or altered bytes.
    public static func unwrap(_ wrapped: [UInt8], under wrappingKey: SecretKey, context: [UInt8]) throws -> SecretKey {
        guard wrapped.count == wrappedByteCount else {
            throw CryptoError.invalidLength(what: "a wrapped key", expected: wrappedByteCount, actual: wrapped.count)
        }
        return try SecretKey { plain in
            var plainCount: UInt64 = 0
            let result = wrapped.withUnsafeBufferPointer { w in
                wrappingKey.withUnsafeBytes { k in
                    context.withUnsafeBufferPointer { ad in
                        crypto_aead_xchacha20poly1305_ietf_decrypt(
                            plain.baseAddress!.assumingMemoryBound(to: UInt8.self), &plainCount, nil,
                            w.baseAddress! + nonceCount, UInt64(SecretKey.byteCount + tagCount),
                            ad.baseAddress, UInt64(ad.count),
                            w.baseAddress!,
                            k.baseAddress!.assumingMemoryBound(to: UInt8.self))
                    }
                }
            }
            guard result == 0, plainCount == UInt64(SecretKey.byteCount) else {
                throw CryptoError.authenticationFailed(what: "the wrapped key")
            }
        }
    }
}
