import Foundation
import LetheCrypto
import LetheTestSupport
import Testing

/// The recovery key pair of the sealed escrow: `crypto_box_seal` of a KEK, its file forms, and
/// what tampering does to each.
@Suite struct RecoveryKeyTests {
    @Test func aSealedKeyOpensOnlyWithItsPrivateKey() throws {
        let pair = RecoveryPrivateKey.generate()
        let kek = SecretKey.random()
        let sealed = pair.publicKey.seal(kek)
        #expect(sealed.count == RecoveryPublicKey.sealedByteCount)
        #expect(try pair.open(sealed) == kek)
        // Sealing is randomised: the same key seals differently every time.
        #expect(pair.publicKey.seal(kek) != sealed)
        #expect(throws: CryptoError.authenticationFailed(what: "the sealed key")) { _ = try RecoveryPrivateKey.generate().open(sealed) }
    }

    @Test func everyFlippedByteTruncationAndAppendixIsRefused() throws {
        let pair = RecoveryPrivateKey.generate()
        let sealed = pair.publicKey.seal(SecretKey.random())
        for index in sealed.indices {
            var altered = sealed
            altered[index] ^= 0x01
            #expect(throws: CryptoError.self) { _ = try pair.open(altered) }
        }
        #expect(throws: CryptoError.self) { _ = try pair.open(Array(sealed.dropLast())) }
        #expect(throws: CryptoError.self) { _ = try pair.open(sealed + [0]) }
        #expect(throws: CryptoError.self) { _ = try pair.open([]) }
    }

    @Test func thePublicKeyTextRoundTripsAndAnythingElseIsRefused() throws {
        let key = RecoveryPrivateKey.generate().publicKey
        #expect(key.text.hasPrefix("lethe-recovery-public-v1:"))
        #expect(try RecoveryPublicKey(text: "# mine\n\(key.text)\n") == key)
        #expect(key.fingerprint.count == 32)
        let encoded = String(key.text.dropFirst(RecoveryPublicKey.prefix.count))
        for bad in ["", "lethe-recovery-public-v2:\(encoded)", RecoveryPublicKey.prefix + String(encoded.dropLast(4)),
                    "\(key.text)\n\(key.text)", RecoveryPublicKey.prefix + "not base64!"] {
            #expect(throws: CryptoError.self) { _ = try RecoveryPublicKey(text: bad) }
        }
    }

    @Test func thePrivateKeyFileIsWrittenOnceWithMode0600AndReadsBack() throws {
        let root = try TemporaryDirectory(prefix: "lethe-recovery")
        let file = root.url.appendingPathComponent("recovery.key")
        let pair = RecoveryPrivateKey.generate()
        try pair.write(to: file)
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.contains(pair.publicKey.fingerprint))
        #expect(text.contains("OFFLINE"))
        let read = try RecoveryPrivateKey(file: file)
        #expect(read.publicKey == pair.publicKey)
        let kek = SecretKey.random()
        #expect(try read.open(pair.publicKey.seal(kek)) == kek)
        // Never replaced: a second key pair cannot overwrite the first one's only copy.
        #expect(throws: (any Error).self) { try RecoveryPrivateKey.generate().write(to: file) }
        #expect(try RecoveryPrivateKey(file: file).publicKey == pair.publicKey)

        let damaged = root.url.appendingPathComponent("damaged.key")
        try text.replacingOccurrences(of: RecoveryPrivateKey.prefix, with: RecoveryPrivateKey.prefix + "AAAA").write(to: damaged, atomically: true, encoding: .utf8)
        #expect(throws: CryptoError.self) { _ = try RecoveryPrivateKey(file: damaged) }
        #expect(throws: CryptoError.self) { _ = try RecoveryPrivateKey(file: root.url.appendingPathComponent("missing.key")) }
    }
}
