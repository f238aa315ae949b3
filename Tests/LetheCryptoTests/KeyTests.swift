import LetheCore
import LetheCrypto
import Testing

@Suite("Keys: SecretKey, KeyWrap, KeyDerivation, KeyedHash, SecureRandom")
struct KeyTests {
    static let fixedBytes: [UInt8] = (0..<32).map { UInt8($0 * 7 + 1) }

    @Test("a key holds exactly the 32 bytes it was made from")
    func copyingRoundTrip() throws {
        let key = try SecretKey(copying: Self.fixedBytes)
        #expect(key.withUnsafeBytes { Array($0) } == Self.fixedBytes)
    }

    @Test("keys of any other length are refused", arguments: [0, 16, 31, 33, 64])
    func wrongLength(count: Int) {
        #expect(throws: CryptoError.invalidKeyLength(count)) {
            try SecretKey(copying: [UInt8](repeating: 1, count: count))
        }
    }

    @Test("description and id never show key bytes; id is a stable 32-hex fingerprint")
    func noLeaks() throws {
        let key = try SecretKey(copying: Self.fixedBytes)
        let hexBytes = Digest.hex(Self.fixedBytes)
        #expect(!key.description.contains(hexBytes))
        #expect(!key.description.contains(String(hexBytes.prefix(8))))
        #expect(!"\(key)".contains(String(hexBytes.prefix(8))))
        #expect(key.id.rawValue.count == 32)
        #expect(key.id.rawValue.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(key.id == (try SecretKey(copying: Self.fixedBytes)).id)
        #expect(key.description == "SecretKey(\(key.id))")
        #expect(!hexBytes.contains(key.id.rawValue))
    }

    @Test("random keys differ, and so do their ids; equality compares bytes")
    func randomKeys() throws {
        let a = SecretKey.random(), b = SecretKey.random()
        #expect(a != b)
        #expect(a.id != b.id)
        let aCopy = try a.withUnsafeBytes { try SecretKey(copying: Array($0)) }
        #expect(a == aCopy)
        #expect(a.id == aCopy.id)
    }

    @Test("SecureRandom gives the requested count, different each time")
    func secureRandom() {
        #expect(SecureRandom.bytes(0).isEmpty)
        let a = SecureRandom.bytes(32), b = SecureRandom.bytes(32)
        #expect(a.count == 32)
        #expect(a != b)
    }

    @Test("wrap then unwrap returns the same key; two wraps differ (fresh nonce)")
    func wrapRoundTrip() throws {
        let key = SecretKey.random(), kek = SecretKey.random()
        let context = Array("row 17".utf8)
        let w1 = KeyWrap.wrap(key, under: kek, context: context)
        let w2 = KeyWrap.wrap(key, under: kek, context: context)
        #expect(w1.count == KeyWrap.wrappedByteCount)
        #expect(KeyWrap.wrappedByteCount == 72)
        #expect(w1 != w2)
        #expect(Array(w1[0..<24]) != Array(w2[0..<24]))
        #expect(try KeyWrap.unwrap(w1, under: kek, context: context) == key)
        #expect(try KeyWrap.unwrap(w2, under: kek, context: context) == key)
        // The key bytes do not appear in the wrapped form.
        let plain = key.withUnsafeBytes { Array($0) }
        #expect(!Digest.hex(w1).contains(Digest.hex(plain)))
    }

    @Test("unwrap refuses a wrong key, a different context, and an empty context for a non-empty one")
    func wrapWrongKeyOrContext() {
        let key = SecretKey.random(), kek = SecretKey.random()
        let wrapped = KeyWrap.wrap(key, under: kek, context: [1, 2, 3])
        let failure = CryptoError.authenticationFailed(what: "the wrapped key")
        #expect(throws: failure) { try KeyWrap.unwrap(wrapped, under: SecretKey.random(), context: [1, 2, 3]) }
        #expect(throws: failure) { try KeyWrap.unwrap(wrapped, under: kek, context: [1, 2, 4]) }
        #expect(throws: failure) { try KeyWrap.unwrap(wrapped, under: kek, context: []) }
    }

    @Test("a flipped bit anywhere in a wrapped key is refused", arguments: [0, 12, 23, 24, 40, 55, 56, 64, 71])
    func wrapTamper(byte: Int) {
        let kek = SecretKey.random()
        var wrapped = KeyWrap.wrap(SecretKey.random(), under: kek, context: [9])
        wrapped[byte] ^= 0x01
        #expect(throws: CryptoError.authenticationFailed(what: "the wrapped key")) {
            try KeyWrap.unwrap(wrapped, under: kek, context: [9])
        }
    }

    @Test("a wrapped key of the wrong length is refused by length")
    func wrapLength() {
        let kek = SecretKey.random()
        let wrapped = KeyWrap.wrap(SecretKey.random(), under: kek, context: [])
        #expect(throws: CryptoError.invalidLength(what: "a wrapped key", expected: 72, actual: 71)) {
            try KeyWrap.unwrap(Array(wrapped.dropLast()), under: kek, context: [])
        }
    }

    @Test("derivation is deterministic and separated by key, label and input")
    func derivation() throws {
        let k = try SecretKey(copying: Self.fixedBytes)
        let a = KeyDerivation.derive(from: k, label: "one", input: [1])
        #expect(a == KeyDerivation.derive(from: k, label: "one", input: [1]))
        #expect(a != KeyDerivation.derive(from: k, label: "two", input: [1]))
        #expect(a != KeyDerivation.derive(from: k, label: "one", input: [2]))
        #expect(a != KeyDerivation.derive(from: SecretKey.random(), label: "one", input: [1]))
        // The label is length-prefixed: moving a byte between label and input changes the key.
        #expect(KeyDerivation.derive(from: k, label: "ab", input: Array("c".utf8))
            != KeyDerivation.derive(from: k, label: "a", input: Array("bc".utf8)))
        #expect(a != k)
    }

    @Test("the copy wrapping key depends on both the customer key and the expiry key")
    func copyWrappingKey() {
        let ck = SecretKey.random(), ek = SecretKey.random()
        let w = KeyDerivation.copyWrappingKey(customerKey: ck, expiryKey: ek)
        #expect(w == KeyDerivation.copyWrappingKey(customerKey: ck, expiryKey: ek))
        #expect(w != KeyDerivation.copyWrappingKey(customerKey: SecretKey.random(), expiryKey: ek))
        #expect(w != KeyDerivation.copyWrappingKey(customerKey: ck, expiryKey: SecretKey.random()))
        #expect(w != KeyDerivation.copyWrappingKey(customerKey: ek, expiryKey: ck))
        #expect(w != ck && w != ek)
    }

    @Test("keyed hash: 32 bytes, deterministic, depends on the key, not a plain hash")
    func keyedHash() {
        let k = SecretKey.random()
        let message = Array("customer-42".utf8)
        let h = KeyedHash.hash(message, key: k)
        #expect(h.count == 32)
        #expect(h == KeyedHash.hash(message, key: k))
        #expect(h != KeyedHash.hash(message, key: SecretKey.random()))
        #expect(h != KeyedHash.hash(Array("customer-43".utf8), key: k))
        #expect(h != Digest.blake2b256(message))
    }
}
