import Foundation
import LetheCore
import LetheCrypto
@testable import LetheFormat
import Testing

/// Values computed independently (Python's hashlib.blake2b and struct) from docs/FORMAT.md:
/// they pin the documented constructions and byte layout so neither drifts silently.
@Suite("Known answers: key ids, derivation, keyed hash, header bytes")
struct KnownAnswerTests {
    static let keyBytes: [UInt8] = (0..<32).map { UInt8(truncatingIfNeeded: $0 * 7 + 1) }
    static let expiryBytes: [UInt8] = Array(32..<64)

    @Test("key id = BLAKE2b-128(key = K, personal = \"lethe-key-id-v1\\0\", empty message)")
    func keyID() throws {
        #expect(try SecretKey(copying: Self.keyBytes).id == KeyID("9ae13f69f6cf0ef8cb2840954d733381"))
    }

    @Test("copy wrapping key = BLAKE2b-256(key = CK, personal = \"lethe-derive-v1\\0\", u32(26) || label || EK)")
    func copyWrappingKey() throws {
        let ck = try SecretKey(copying: Self.keyBytes), ek = try SecretKey(copying: Self.expiryBytes)
        let w = KeyDerivation.copyWrappingKey(customerKey: ck, expiryKey: ek)
        #expect(w.withUnsafeBytes { Digest.hex($0) } == "bd2179412ae98d862b8c2e20a62a452e7f15e86f02c16ef43907b41110ed3511")
        #expect(w == KeyDerivation.derive(from: ck, label: "lethe.copy-wrapping-key.v1", input: Self.expiryBytes))
    }

    @Test("keyed hash = BLAKE2b-256(key = K, personal = \"lethe-keyhash-v1\", message)")
    func keyedHash() throws {
        let k = try SecretKey(copying: Self.keyBytes)
        #expect(Digest.hex(KeyedHash.hash(Array("customer-42".utf8), key: k))
            == "b59bf953dffe12d8a9ae473e985af402c07b303fb81ccd3274b08327e8bbe34f")
    }

    static let header = ArchiveHeader(
        pseudonym: Pseudonym("pabc"), setID: SetID("20261129T021000Z-k3f9"), archiveID: ArchiveID("arch1"),
        created: Date(timeIntervalSince1970: 1_795_918_200), deleteBy: Date(timeIntervalSince1970: 1_796_515_200),
        customerKeyID: KeyID("00112233445566778899aabbccddeeff"), expiryKeyID: KeyID("ffeeddccbbaa99887766554433221100"),
        chunkSize: 1024)

    @Test("header prefix bytes: magic, version, length, body")
    func headerBytes() throws {
        let expected = "4c455448454152430001000000780470616263153230323631313239543032313030305a2d6b336639056172636831"
            + "000000006b0b8978000000006b14a580203030313132323333343435353636373738383939616162626363646465656666"
            + "2066666565646463636262616139393838373736363535343433333232313130300000000400"
        #expect(Digest.hex(Self.header.encodedPrefix()) == expected)
        #expect(try ArchiveHeader.decodeBody(Array(Self.header.encodedPrefix()[14...])) == Self.header)
    }

    @Test("body binding bytes: archive-level fields only")
    func bodyBinding() {
        #expect(Digest.hex(Self.header.bodyAssociatedData())
            == "4c4554484541524300010470616263153230323631313239543032313030305a2d6b336639056172636831000000006b0b89780000000400")
    }
}
