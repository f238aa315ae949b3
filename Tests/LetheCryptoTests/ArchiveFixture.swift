import Foundation
import LetheCore
import LetheCrypto
@testable import LetheFormat

/// One customer's keys and a header for one copy, with helpers to write and read archives.
struct ArchiveFixture {
    let customerKey: SecretKey
    let expiryKey: SecretKey
    let header: ArchiveHeader

    static let created = Date(timeIntervalSince1970: 1_795_918_200) // 2026-11-29T02:10:00Z
    static let deleteBy = Date(timeIntervalSince1970: 1_796_515_200) // 2026-12-06T00:00:00Z

    init(chunkSize: Int = 1024, customerKey: SecretKey = .random(), expiryKey: SecretKey = .random(),
         pseudonym: Pseudonym = .random(), archiveID: ArchiveID = .random()) {
        self.customerKey = customerKey
        self.expiryKey = expiryKey
        header = ArchiveHeader(
            pseudonym: pseudonym, setID: SetID("20261129T021000Z-k3f9"), archiveID: archiveID,
            created: Self.created, deleteBy: Self.deleteBy,
            customerKeyID: customerKey.id, expiryKeyID: expiryKey.id, chunkSize: chunkSize)
    }

    var wrappingKey: SecretKey { KeyDerivation.copyWrappingKey(customerKey: customerKey, expiryKey: expiryKey) }

    /// Bytes before the wrapped key: magic, version, length, header body.
    var prefixCount: Int { header.encodedPrefix().count }
    /// Where the wrapped key starts.
    var wrappedKeyOffset: Int { prefixCount }
    /// Where the secretstream header starts.
    var streamHeaderOffset: Int { prefixCount + 72 }
    /// Where chunk `index` starts (its 4-byte length; the secretstream message follows).
    func chunkOffset(_ index: Int) -> Int { prefixCount + 72 + 24 + index * (4 + header.chunkSize + 17) }

    /// Writes `plaintext` in pieces of `piece` bytes.
    func write(_ plaintext: [UInt8], piece: Int = 333) throws -> [UInt8] {
        let sink = BufferSink()
        let writer = try ArchiveWriter(header: header, customerKey: customerKey, expiryKey: expiryKey, output: sink)
        var offset = 0
        while offset < plaintext.count {
            let end = min(offset + piece, plaintext.count)
            try writer.write(plaintext[offset..<end])
            offset = end
        }
        try writer.finish()
        return sink.bytes
    }

    /// Opens, unseals with this fixture's keys, and reads everything.
    func read(_ archive: [UInt8]) throws -> [UInt8] {
        let reader = try SealedArchive.open(BufferSource(archive)).unseal(customerKey: customerKey, expiryKey: expiryKey)
        return try reader.readAll()
    }

    /// Deterministic test plaintext.
    static func plaintext(_ count: Int, seed: UInt8 = 1) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ Int(seed)) }
    }
}

extension Array where Element == UInt8 {
    /// A copy with bit 0 of byte `index` flipped.
    func flipping(_ index: Int, mask: UInt8 = 0x01) -> [UInt8] {
        var copy = self
        copy[index] ^= mask
        return copy
    }
}
