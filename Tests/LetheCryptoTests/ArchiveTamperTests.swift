import Foundation
import LetheCore
import LetheCrypto
@testable import LetheFormat
import Testing

/// Every way an archive can be damaged or swapped is refused with the error that names it.
///
/// The archive under test has chunk size 1024 and 3000 bytes of plaintext: chunks 0 and 1 are
/// full (4 + 1024 + 17 bytes), chunk 2 is final with 952 bytes of plaintext (4 + 952 + 17 bytes).
@Suite("Archive format: tampering, truncation, swapping")
struct ArchiveTamperTests {
    let fixture = ArchiveFixture(chunkSize: 1024)
    let plaintext = ArchiveFixture.plaintext(3000)
    let archive: [UInt8]

    init() throws {
        archive = try fixture.write(plaintext)
        precondition(archive.count == fixture.chunkOffset(2) + 4 + 952 + 17)
    }

    func expectRefused(_ bytes: [UInt8], _ expected: FormatError, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(throws: expected, sourceLocation: sourceLocation) { _ = try fixture.read(bytes) }
    }

    @Test("the intact archive reads back")
    func intact() throws {
        #expect(try fixture.read(archive) == plaintext)
    }

    @Test("a flipped bit in the magic: not an archive")
    func magic() {
        expectRefused(archive.flipping(3), .notAnArchive)
        expectRefused([], .notAnArchive)
        expectRefused(Array("LETHE".utf8), .notAnArchive)
        expectRefused(SecureRandom.bytes(500), .notAnArchive)
    }

    @Test("an unknown version is refused by name")
    func unknownVersion() throws {
        var bytes = archive
        bytes[8] = 0; bytes[9] = 7
        expectRefused(bytes, .unsupportedVersion(7))
        #expect(FormatError.unsupportedVersion(7).description
            .hasPrefix("archive format version 7 is not supported by this Lethe (knows 1)"))
    }

    @Test("a flipped bit in the delete-by, the created date, the key ids or the chunk size: header authentication fails")
    func headerBits() throws {
        // Find the delete-by field: the 8 bytes of its big-endian seconds inside the prefix.
        let deleteBySeconds = Int64(ArchiveFixture.deleteBy.timeIntervalSince1970)
        let needle = (0..<8).map { UInt8(truncatingIfNeeded: deleteBySeconds >> (56 - 8 * $0)) }
        let at = try #require(findOffset(of: needle, in: Array(archive[0..<fixture.prefixCount])))
        expectRefused(archive.flipping(at + 7), .headerAuthenticationFailed)
        expectRefused(archive.flipping(at + 7 - 8), .headerAuthenticationFailed) // created, just before it
        // Last byte of the header body is the low byte of the chunk size: 1024 -> 1025 is still valid.
        expectRefused(archive.flipping(fixture.prefixCount - 1), .headerAuthenticationFailed)
    }

    @Test("a flipped bit that makes a header field invalid: malformed header")
    func headerMalformed() {
        // Byte 14 is the pseudonym's length; 15 its first character ('p' ^ 0x80 is not ASCII).
        #expect(throws: FormatError.self) { _ = try fixture.read(archive.flipping(14, mask: 0x80)) }
        expectRefused(archive.flipping(15, mask: 0x80), .malformedHeader("the pseudonym is not text"))
        // Header length 0, and one far too large.
        var zero = archive
        zero[10] = 0; zero[11] = 0; zero[12] = 0; zero[13] = 0
        expectRefused(zero, .malformedHeader("header length 0 is outside 1...4096"))
        var huge = archive
        huge[10] = 0x7f
        #expect(throws: FormatError.self) { _ = try fixture.read(huge) }
        expectRefused(Array(archive[0..<20]), .malformedHeader("the archive ends inside its header"))
    }

    @Test("a reader refuses a chunk size outside 1 KiB...16 MiB even before authentication")
    func chunkSizeOutOfRange() throws {
        let small = ArchiveHeader(
            pseudonym: fixture.header.pseudonym, setID: fixture.header.setID, archiveID: fixture.header.archiveID,
            created: fixture.header.created, deleteBy: fixture.header.deleteBy,
            customerKeyID: fixture.header.customerKeyID, expiryKeyID: fixture.header.expiryKeyID, chunkSize: 512)
        let bytes = small.encodedPrefix() + archive[fixture.prefixCount...]
        expectRefused(bytes, .malformedHeader("chunk size 512 is outside 1024...16777216"))
    }

    @Test("a flipped bit in the wrapped data key: header authentication fails", arguments: [0, 30, 71])
    func wrappedKey(offset: Int) {
        expectRefused(archive.flipping(fixture.wrappedKeyOffset + offset), .headerAuthenticationFailed)
    }

    @Test("a flipped bit in the stream header: the first chunk fails", arguments: [0, 23])
    func streamHeader(offset: Int) {
        expectRefused(archive.flipping(fixture.streamHeaderOffset + offset), .chunkAuthenticationFailed(index: 0))
    }

    @Test("a flipped bit in the first, a middle or the final chunk, or in the final tag")
    func chunkBits() {
        // After the 4-byte length, the first byte of a message is its encrypted tag; the last 16 its MAC.
        expectRefused(archive.flipping(fixture.chunkOffset(0) + 4), .chunkAuthenticationFailed(index: 0))
        expectRefused(archive.flipping(fixture.chunkOffset(0) + 500), .chunkAuthenticationFailed(index: 0))
        expectRefused(archive.flipping(fixture.chunkOffset(1) + 1044), .chunkAuthenticationFailed(index: 1))
        expectRefused(archive.flipping(fixture.chunkOffset(2) + 100), .chunkAuthenticationFailed(index: 2))
        expectRefused(archive.flipping(fixture.chunkOffset(2) + 4), .chunkAuthenticationFailed(index: 2))
        expectRefused(archive.flipping(archive.count - 1), .chunkAuthenticationFailed(index: 2))
        expectRefused(archive.flipping(archive.count - 1, mask: 0x80), .chunkAuthenticationFailed(index: 2))
    }

    @Test("an altered chunk length is refused", arguments: [0, 2, 3])
    func chunkLength(byte: Int) {
        // 1024 = 00 00 04 00: byte 0 or 3 flipped declares more than a chunk; byte 2 declares 0.
        expectRefused(archive.flipping(fixture.chunkOffset(1) + byte), .chunkAuthenticationFailed(index: 1))
        expectRefused(archive.flipping(fixture.chunkOffset(0) + byte), .chunkAuthenticationFailed(index: 0))
    }

    @Test("plaintext of verified chunks is served, then the damaged chunk stops the reader for good")
    func stopsAtDamage() throws {
        let damaged = archive.flipping(fixture.chunkOffset(1) + 5)
        let reader = try SealedArchive.open(BufferSource(damaged)).unseal(wrappingKey: fixture.wrappingKey)
        #expect(try reader.read(upTo: 1024) == Array(plaintext[0..<1024]))
        #expect(throws: FormatError.chunkAuthenticationFailed(index: 1)) { try reader.read(upTo: 1) }
        #expect(throws: FormatError.chunkAuthenticationFailed(index: 1)) { try reader.read(upTo: 1) }
    }

    @Test("chunks swapped in order are refused")
    func reordered() {
        let c0 = archive[fixture.chunkOffset(0)..<fixture.chunkOffset(1)]
        let c1 = archive[fixture.chunkOffset(1)..<fixture.chunkOffset(2)]
        let swapped = Array(archive[0..<fixture.chunkOffset(0)]) + c1 + c0 + archive[fixture.chunkOffset(2)...]
        expectRefused(swapped, .chunkAuthenticationFailed(index: 0))
    }

    @Test("truncation at a chunk boundary is refused as truncated")
    func truncatedAtBoundary() {
        expectRefused(Array(archive[0..<fixture.chunkOffset(2)]), .truncated(afterChunks: 2))
        expectRefused(Array(archive[0..<fixture.chunkOffset(1)]), .truncated(afterChunks: 1))
        expectRefused(Array(archive[0..<fixture.chunkOffset(0)]), .truncated(afterChunks: 0))
        // Inside the stream header or the wrapped key.
        expectRefused(Array(archive[0..<fixture.streamHeaderOffset + 10]), .truncated(afterChunks: 0))
        expectRefused(Array(archive[0..<fixture.wrappedKeyOffset + 10]), .truncated(afterChunks: 0))
    }

    @Test("truncation inside a chunk is refused as truncated", arguments: [1, 3, 4, 10, 500, 1044])
    func truncatedMidChunk(into: Int) {
        expectRefused(Array(archive[0..<fixture.chunkOffset(1) + into]), .truncated(afterChunks: 1))
        expectRefused(Array(archive[0..<fixture.chunkOffset(0) + into]), .truncated(afterChunks: 0))
    }

    @Test("the final chunk cut short by one byte, or by most of it, is refused as truncated")
    func truncatedFinalChunk() {
        expectRefused(Array(archive.dropLast()), .truncated(afterChunks: 2))
        expectRefused(Array(archive.dropLast(952)), .truncated(afterChunks: 2))
    }

    @Test("an archive whose body is an exact number of chunks, cut before its final (full) chunk")
    func truncatedExactMultiple() throws {
        let exact = try fixture.write(ArchiveFixture.plaintext(2048))
        #expect(exact.count == fixture.chunkOffset(2))
        #expect(throws: FormatError.truncated(afterChunks: 1)) { _ = try fixture.read(Array(exact[0..<fixture.chunkOffset(1)])) }
    }

    @Test("bytes appended after the final chunk are refused", arguments: [1, 17, 5000])
    func trailing(count: Int) {
        expectRefused(archive + [UInt8](repeating: 0, count: count), .trailingData)
    }

    @Test("a second archive appended after the first is refused")
    func concatenated() throws {
        expectRefused(archive + archive, .trailingData)
    }

    @Test("a re-dated header (delete-by moved, re-serialised) is refused")
    func redated() throws {
        let later = fixture.header.forCopy(deleteBy: ArchiveFixture.deleteBy.addingTimeInterval(365 * 86400),
                                           expiryKeyID: fixture.header.expiryKeyID)
        let earlier = fixture.header.forCopy(deleteBy: ArchiveFixture.deleteBy.addingTimeInterval(-86400),
                                             expiryKeyID: fixture.header.expiryKeyID)
        for header in [later, earlier] {
            let bytes = header.encodedPrefix() + archive[fixture.prefixCount...]
            // It parses (the header is plausible) but does not authenticate.
            #expect(try SealedArchive.open(BufferSource(bytes)).header.deleteBy == header.deleteBy)
            expectRefused(bytes, .headerAuthenticationFailed)
        }
    }

    @Test("an archive re-headed for another pseudonym or archive id is refused")
    func reheaded() {
        let other = ArchiveHeader(
            pseudonym: Pseudonym.random(), setID: fixture.header.setID, archiveID: ArchiveID.random(),
            created: fixture.header.created, deleteBy: fixture.header.deleteBy,
            customerKeyID: fixture.header.customerKeyID, expiryKeyID: fixture.header.expiryKeyID, chunkSize: 1024)
        expectRefused(other.encodedPrefix() + archive[fixture.prefixCount...], .headerAuthenticationFailed)
    }

    @Test("customer A's archive read with customer B's keys is refused")
    func otherCustomer() throws {
        let customerB = ArchiveFixture(chunkSize: 1024, expiryKey: fixture.expiryKey)
        // Looking keys up by the header's ids: B's key is not the one named.
        #expect(throws: FormatError.keyMismatch(which: "customer key", expected: fixture.customerKey.id.rawValue,
                                                actual: customerB.customerKey.id.rawValue)) {
            try SealedArchive.open(BufferSource(archive)).unseal(customerKey: customerB.customerKey, expiryKey: fixture.expiryKey)
        }
        // Forcing B's keys through anyway.
        #expect(throws: FormatError.headerAuthenticationFailed) {
            try SealedArchive.open(BufferSource(archive)).unseal(wrappingKey: customerB.wrappingKey)
        }
        // B's wrapped key under B's header, spliced onto A's body: the data key differs.
        let archiveB = try customerB.write(plaintext)
        let spliced = Array(archiveB[0..<customerB.streamHeaderOffset]) + archive[fixture.streamHeaderOffset...]
        #expect(throws: FormatError.chunkAuthenticationFailed(index: 0)) { _ = try customerB.read(spliced) }
    }

    @Test("the wrong expiry key (another delete-by date) is refused")
    func wrongExpiryKey() {
        #expect(throws: FormatError.headerAuthenticationFailed) {
            try SealedArchive.open(BufferSource(archive))
                .unseal(wrappingKey: KeyDerivation.copyWrappingKey(customerKey: fixture.customerKey, expiryKey: SecretKey.random()))
        }
    }

    @Test("the body of another archive of the same customer, under this header, is refused")
    func swappedBody() throws {
        let other = try fixture.write(plaintext)
        let swapped = Array(archive[0..<fixture.streamHeaderOffset]) + other[fixture.streamHeaderOffset...]
        expectRefused(swapped, .chunkAuthenticationFailed(index: 0))
    }

    @Test("every error message says what to do")
    func messages() {
        let errors: [FormatError] = [
            .notAnArchive, .unsupportedVersion(2), .malformedHeader("x"), .headerAuthenticationFailed,
            .keyMismatch(which: "customer key", expected: "a", actual: "b"),
            .chunkAuthenticationFailed(index: 3), .truncated(afterChunks: 2),
            .trailingData, .mismatch(field: "archive id"), .writerClosed,
        ]
        for error in errors {
            #expect(error.description.contains(":"), "\(error)")
        }
        #expect(FormatError.headerAuthenticationFailed.description.contains("restore from another copy"))
        #expect(errors.filter(\.isIntegrityFailure).count == 6)
        #expect(!FormatError.keyMismatch(which: "customer key", expected: "a", actual: "b").isIntegrityFailure)
        #expect(FormatError.trailingData.isIntegrityFailure)
    }

    private func findOffset(of needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        return (0...(hay.count - needle.count)).first { Array(hay[$0..<$0 + needle.count]) == needle }
    }
}

@Suite("Archive format: what the body binds")
struct ArchiveBindingTests {
    /// Re-heads `archive` with `header`, wrapping its real data key correctly (as someone holding
    /// the keys could): the header authenticates, so only the body's binding can refuse it.
    func reheadWithValidWrap(_ archive: [UInt8], fixture: ArchiveFixture, header: ArchiveHeader) throws -> [UInt8] {
        let reader = try SealedArchive.open(BufferSource(archive)).unseal(wrappingKey: fixture.wrappingKey)
        let prefix = header.encodedPrefix()
        let wrapped = KeyWrap.wrap(reader.dataKey, under: fixture.wrappingKey, context: prefix)
        return prefix + wrapped + archive[fixture.streamHeaderOffset...]
    }

    @Test("copy-level fields (delete-by) can differ over the same body; archive-level fields cannot")
    func bodyBinding() throws {
        let fixture = ArchiveFixture(chunkSize: 1024)
        let plaintext = ArchiveFixture.plaintext(2500)
        let archive = try fixture.write(plaintext)
        let h = fixture.header

        let redated = try reheadWithValidWrap(archive, fixture: fixture,
                                              header: h.forCopy(deleteBy: h.deleteBy.addingTimeInterval(86400), expiryKeyID: h.expiryKeyID))
        #expect(try SealedArchive.open(BufferSource(redated)).unseal(wrappingKey: fixture.wrappingKey).readAll() == plaintext)

        let others = [
            ArchiveHeader(pseudonym: h.pseudonym, setID: h.setID, archiveID: ArchiveID.random(), created: h.created,
                          deleteBy: h.deleteBy, customerKeyID: h.customerKeyID, expiryKeyID: h.expiryKeyID, chunkSize: 1024),
            ArchiveHeader(pseudonym: Pseudonym.random(), setID: h.setID, archiveID: h.archiveID, created: h.created,
                          deleteBy: h.deleteBy, customerKeyID: h.customerKeyID, expiryKeyID: h.expiryKeyID, chunkSize: 1024),
            ArchiveHeader(pseudonym: h.pseudonym, setID: SetID("20270101T000000Z-aaaa"), archiveID: h.archiveID, created: h.created,
                          deleteBy: h.deleteBy, customerKeyID: h.customerKeyID, expiryKeyID: h.expiryKeyID, chunkSize: 1024),
            ArchiveHeader(pseudonym: h.pseudonym, setID: h.setID, archiveID: h.archiveID, created: h.created.addingTimeInterval(-1),
                          deleteBy: h.deleteBy, customerKeyID: h.customerKeyID, expiryKeyID: h.expiryKeyID, chunkSize: 1024),
            ArchiveHeader(pseudonym: h.pseudonym, setID: h.setID, archiveID: h.archiveID, created: h.created,
                          deleteBy: h.deleteBy, customerKeyID: h.customerKeyID, expiryKeyID: h.expiryKeyID,
                          baseArchiveID: ArchiveID.random(), chunkSize: 1024),
        ]
        for header in others {
            let bytes = try reheadWithValidWrap(archive, fixture: fixture, header: header)
            #expect(throws: FormatError.chunkAuthenticationFailed(index: 0)) {
                _ = try SealedArchive.open(BufferSource(bytes)).unseal(wrappingKey: fixture.wrappingKey).readAll()
            }
        }
    }
}
