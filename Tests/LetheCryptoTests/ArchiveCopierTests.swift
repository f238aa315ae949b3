import Foundation
import LetheCore
import LetheCrypto
@testable import LetheFormat
import Testing

@Suite("ArchiveCopier: offsite copies share the body, have their own header and key")
struct ArchiveCopierTests {
    let local = ArchiveFixture(chunkSize: 1024)
    let plaintext = ArchiveFixture.plaintext(5000)

    var offsiteExpiryKey: SecretKey { _offsiteExpiryKey }
    private let _offsiteExpiryKey = SecretKey.random()

    var offsiteHeader: ArchiveHeader {
        local.header.forCopy(deleteBy: ArchiveFixture.deleteBy.addingTimeInterval(35 * 86400), expiryKeyID: offsiteExpiryKey.id)
    }

    func copy(_ source: [UInt8], to header: ArchiveHeader) throws -> [UInt8] {
        let sink = BufferSink()
        try ArchiveCopier.rewrap(from: BufferSource(source), customerKey: local.customerKey, sourceExpiryKey: local.expiryKey,
                                 expiryKey: offsiteExpiryKey, output: sink) { _ in header }
        return sink.bytes
    }

    @Test("the copy's body bytes equal the source's; both read back; each header needs its own expiry key")
    func rewrap() throws {
        let source = try local.write(plaintext)
        let copied = try copy(source, to: offsiteHeader)
        let offsite = ArchiveFixture.Copy(prefixCount: offsiteHeader.encodedPrefix().count)
        // Same body (stream header and chunks), different header and wrapped key.
        #expect(Array(copied[offsite.streamHeaderOffset...]) == Array(source[local.streamHeaderOffset...]))
        #expect(Array(copied[offsite.wrappedKeyOffset..<offsite.streamHeaderOffset])
            != Array(source[local.wrappedKeyOffset..<local.streamHeaderOffset]))
        // Both read back.
        #expect(try local.read(source) == plaintext)
        let copyReader = try SealedArchive.open(BufferSource(copied)).unseal(customerKey: local.customerKey, expiryKey: offsiteExpiryKey)
        #expect(copyReader.header == offsiteHeader)
        #expect(try copyReader.readAll() == plaintext)
        // Each header authenticates only with its own expiry key.
        let localWrap = local.wrappingKey
        let offsiteWrap = KeyDerivation.copyWrappingKey(customerKey: local.customerKey, expiryKey: offsiteExpiryKey)
        #expect(throws: FormatError.headerAuthenticationFailed) {
            try SealedArchive.open(BufferSource(copied)).unseal(wrappingKey: localWrap)
        }
        #expect(throws: FormatError.headerAuthenticationFailed) {
            try SealedArchive.open(BufferSource(source)).unseal(wrappingKey: offsiteWrap)
        }
        // Same data key in both copies.
        let sourceReader = try SealedArchive.open(BufferSource(source)).unseal(wrappingKey: localWrap)
        #expect(sourceReader.dataKeyID == copyReader.dataKeyID)
    }

    @Test("the local header cannot be put on the copy's bytes (or the reverse)")
    func headersNotInterchangeable() throws {
        let source = try local.write(plaintext)
        let copied = try copy(source, to: offsiteHeader)
        let offsite = ArchiveFixture.Copy(prefixCount: offsiteHeader.encodedPrefix().count)
        // Copy's wrapped key under the local header.
        let mixed = Array(source[0..<local.prefixCount]) + copied[offsite.wrappedKeyOffset...]
        #expect(throws: FormatError.headerAuthenticationFailed) {
            try SealedArchive.open(BufferSource(mixed)).unseal(customerKey: local.customerKey, expiryKey: local.expiryKey)
        }
    }

    @Test("rewrap refuses a new header that changes an archive-level field")
    func archiveLevelMismatch() throws {
        let source = try local.write(plaintext)
        let h = offsiteHeader
        let changed: [(ArchiveHeader, String)] = [
            (ArchiveHeader(pseudonym: Pseudonym.random(), setID: h.setID, archiveID: h.archiveID, created: h.created,
                           deleteBy: h.deleteBy, customerKeyID: h.customerKeyID, expiryKeyID: h.expiryKeyID, chunkSize: 1024), "pseudonym"),
            (ArchiveHeader(pseudonym: h.pseudonym, setID: SetID("other"), archiveID: h.archiveID, created: h.created,
                           deleteBy: h.deleteBy, customerKeyID: h.customerKeyID, expiryKeyID: h.expiryKeyID, chunkSize: 1024), "set id"),
            (ArchiveHeader(pseudonym: h.pseudonym, setID: h.setID, archiveID: ArchiveID.random(), created: h.created,
                           deleteBy: h.deleteBy, customerKeyID: h.customerKeyID, expiryKeyID: h.expiryKeyID, chunkSize: 1024), "archive id"),
            (ArchiveHeader(pseudonym: h.pseudonym, setID: h.setID, archiveID: h.archiveID, created: h.created.addingTimeInterval(1),
                           deleteBy: h.deleteBy, customerKeyID: h.customerKeyID, expiryKeyID: h.expiryKeyID, chunkSize: 1024), "created"),
            (ArchiveHeader(pseudonym: h.pseudonym, setID: h.setID, archiveID: h.archiveID, created: h.created,
                           deleteBy: h.deleteBy, customerKeyID: h.customerKeyID, expiryKeyID: h.expiryKeyID,
                           baseArchiveID: ArchiveID("b"), chunkSize: 1024), "base archive id"),
            (ArchiveHeader(pseudonym: h.pseudonym, setID: h.setID, archiveID: h.archiveID, created: h.created,
                           deleteBy: h.deleteBy, customerKeyID: h.customerKeyID, expiryKeyID: h.expiryKeyID, chunkSize: 2048), "chunk size"),
        ]
        for (header, field) in changed {
            #expect(throws: FormatError.mismatch(field: field)) { _ = try copy(source, to: header) }
        }
    }

    @Test("rewrap refuses a source with an altered wrapped key, a damaged body, or a truncated body")
    func damagedSource() throws {
        let source = try local.write(plaintext)
        #expect(throws: FormatError.headerAuthenticationFailed) {
            _ = try copy(source.flipping(local.wrappedKeyOffset + 3), to: offsiteHeader)
        }
        #expect(throws: FormatError.chunkAuthenticationFailed(index: 2)) {
            _ = try copy(source.flipping(local.chunkOffset(2) + 30), to: offsiteHeader)
        }
        #expect(throws: FormatError.truncated(afterChunks: 4)) {
            _ = try copy(Array(source[0..<local.chunkOffset(4)]), to: offsiteHeader)
        }
        #expect(throws: FormatError.trailingData) { _ = try copy(source + [0], to: offsiteHeader) }
    }

    @Test("rewrap refuses a new expiry key the new header does not name")
    func copyKeyMismatch() throws {
        let source = try local.write(plaintext)
        let header = local.header.forCopy(deleteBy: ArchiveFixture.deleteBy, expiryKeyID: SecretKey.random().id)
        #expect(throws: FormatError.self) { _ = try copy(source, to: header) }
    }
}

extension ArchiveFixture {
    /// Offsets in a copy whose header prefix has `prefixCount` bytes.
    struct Copy {
        let prefixCount: Int
        var wrappedKeyOffset: Int { prefixCount }
        var streamHeaderOffset: Int { prefixCount + 72 }
    }
}
