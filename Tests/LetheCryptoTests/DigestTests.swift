import LetheCrypto
import Testing

@Suite("Digest: published test vectors")
struct DigestTests {
    @Test("SHA-256 of \"abc\", \"\" and the two-block FIPS 180-2 message")
    func sha256Vectors() {
        #expect(Digest.hex(Digest.sha256(Array("abc".utf8)))
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.hex(Digest.sha256([]))
            == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Digest.hex(Digest.sha256(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("HMAC-SHA-256, RFC 4231 test cases 1 and 2")
    func hmacVectors() {
        let case1 = Digest.hmacSHA256(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8))
        #expect(Digest.hex(case1) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        let case2 = Digest.hmacSHA256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(Digest.hex(case2) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test("BLAKE2b-256 of \"\" and \"abc\"")
    func blake2bVectors() {
        #expect(Digest.hex(Digest.blake2b256([]))
            == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8")
        #expect(Digest.hex(Digest.blake2b256(Array("abc".utf8)))
            == "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319")
    }

    @Test("SHA256Hasher fed in uneven pieces equals the one-shot digest")
    func incrementalEqualsOneShot() {
        let message = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let hasher = SHA256Hasher()
        var offset = 0
        for size in [0, 1, 63, 64, 65, 1000, 4096] + Array(repeating: 997, count: 10) where offset < message.count {
            let end = min(offset + size, message.count)
            message[offset..<end].withUnsafeBytes { hasher.update($0) }
            offset = end
        }
        message[offset...].withUnsafeBytes { hasher.update($0) }
        #expect(hasher.finalize() == Digest.sha256(message))
    }

    @Test("hex is lowercase, two digits per byte")
    func hex() {
        #expect(Digest.hex([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
        #expect(Digest.hex([]) == "")
    }
}
