import LetheCrypto
import Testing

@Suite("SecretStream encryptor and decryptor")
struct SecretStreamTests {
    func encrypt(_ messages: [[UInt8]], key: SecretKey, ad: [UInt8] = []) throws -> (header: [UInt8], chunks: [[UInt8]]) {
        let encryptor = SecretStreamEncryptor(key: key)
        var chunks: [[UInt8]] = []
        for (i, m) in messages.enumerated() {
            chunks.append(try m.withUnsafeBytes { try encryptor.push($0, final: i == messages.count - 1, associatedData: ad) })
        }
        return (encryptor.header, chunks)
    }

    @Test("messages round-trip; only the last says final; each grows by 17 bytes")
    func roundTrip() throws {
        let key = SecretKey.random()
        let messages: [[UInt8]] = [[1, 2, 3], [], Array(repeating: 9, count: 5000), [7]]
        let (header, chunks) = try encrypt(messages, key: key, ad: [42])
        #expect(header.count == 24)
        #expect(zip(chunks, messages).allSatisfy { $0.count == $1.count + 17 })
        let decryptor = try SecretStreamDecryptor(key: key, header: header)
        for (i, chunk) in chunks.enumerated() {
            let (plain, final) = try chunk.withUnsafeBytes { try decryptor.pull($0, associatedData: [42]) }
            #expect(plain == messages[i])
            #expect(final == (i == chunks.count - 1))
        }
    }

    @Test("headers are random for the same key")
    func randomHeaders() {
        let key = SecretKey.random()
        #expect(SecretStreamEncryptor(key: key).header != SecretStreamEncryptor(key: key).header)
    }

    @Test("wrong associated data, wrong key, reordering and bit flips are refused")
    func tampering() throws {
        let key = SecretKey.random()
        let (header, chunks) = try encrypt([[1], [2], [3]], key: key, ad: [5])
        let failure = CryptoError.authenticationFailed(what: "a secret stream message")
        #expect(throws: failure) {
            try chunks[0].withUnsafeBytes { try SecretStreamDecryptor(key: key, header: header).pull($0, associatedData: [6]) }
        }
        #expect(throws: failure) {
            try chunks[0].withUnsafeBytes { try SecretStreamDecryptor(key: SecretKey.random(), header: header).pull($0, associatedData: [5]) }
        }
        #expect(throws: failure) {
            try chunks[1].withUnsafeBytes { try SecretStreamDecryptor(key: key, header: header).pull($0, associatedData: [5]) }
        }
        var flipped = chunks[0]
        flipped[flipped.count - 1] ^= 0x80
        #expect(throws: failure) {
            try flipped.withUnsafeBytes { try SecretStreamDecryptor(key: key, header: header).pull($0, associatedData: [5]) }
        }
        #expect(throws: failure) {
            try [UInt8](repeating: 0, count: 16).withUnsafeBytes { try SecretStreamDecryptor(key: key, header: header).pull($0) }
        }
    }

    @Test("nothing may be pushed or pulled after the final message")
    func afterFinal() throws {
        let key = SecretKey.random()
        let encryptor = SecretStreamEncryptor(key: key)
        let only = try [UInt8]([1]).withUnsafeBytes { try encryptor.push($0, final: true) }
        #expect(throws: CryptoError.streamFinished) {
            try [UInt8]([2]).withUnsafeBytes { try encryptor.push($0, final: false) }
        }
        let decryptor = try SecretStreamDecryptor(key: key, header: encryptor.header)
        #expect(try only.withUnsafeBytes { try decryptor.pull($0) }.final)
        #expect(throws: CryptoError.streamFinished) { try only.withUnsafeBytes { try decryptor.pull($0) } }
    }

    @Test("a stream header of the wrong length is refused")
    func headerLength() {
        #expect(throws: CryptoError.invalidLength(what: "a secret stream header", expected: 24, actual: 23)) {
            try SecretStreamDecryptor(key: SecretKey.random(), header: [UInt8](repeating: 0, count: 23))
        }
    }
}
