/// Deriving keys from keys, with keyed BLAKE2b-256, domain-separated by a label.
public enum KeyDerivation {
    /// A key derived from `key` for the purpose named by `label`, over `input`.
    ///
    /// BLAKE2b-256 keyed by `key`, personalised "lethe-derive-v1", over
    /// `u32be(len(label)) || label (UTF-8) || input`. Different labels or inputs give
    /// independent keys; without `key`, the result cannot be computed.
    public static func derive(from key: SecretKey, label: String, input: [UInt8]) -> SecretKey {
        input.withUnsafeBytes { derive(from: key, label: label, input: $0) }
    }

    /// The key that wraps one copy's data key: derived from the customer key and the copy's
    /// expiry key, so destroying either one makes the copy unreadable.
    ///
    /// It is `derive(from: customerKey, label: "lethe.copy-wrapping-key.v1", input: expiry key bytes)`.
    public static func copyWrappingKey(customerKey: SecretKey, expiryKey: SecretKey) -> SecretKey {
        expiryKey.withUnsafeBytes { derive(from: customerKey, label: copyWrappingLabel, input: $0) }
    }

    static let copyWrappingLabel = "lethe.copy-wrapping-key.v1"

    static func derive(from key: SecretKey, label: String, input: UnsafeRawBufferPointer) -> SecretKey {
        let hash = key.withUnsafeBytes { Blake2b(outputCount: SecretKey.byteCount, key: $0, purpose: .derive) }
        hash.updateLengthPrefixed(Array(label.utf8))
        hash.update(input)
        return SecretKey { hash.finalize(into: $0) }
    }
}

/// A keyed hash of a message: BLAKE2b-256 keyed by a secret key, personalised "lethe-keyhash-v1".
///
/// Without the key, nobody can compute or check the hash (the key store uses it to find a
/// customer by id without storing the id).
public enum KeyedHash {
    /// The 32-byte keyed hash of `message` under `key`.
    public static func hash(_ message: [UInt8], key: SecretKey) -> [UInt8] {
        let hash = key.withUnsafeBytes { Blake2b(outputCount: 32, key: $0, purpose: .keyedHash) }
        hash.update(message)
        return hash.finalize()
    }
}
