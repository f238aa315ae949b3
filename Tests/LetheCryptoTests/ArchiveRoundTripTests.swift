import Foundation
import LetheCore
import LetheCrypto
@testable import LetheFormat
import Testing

@Suite("Archive format: round trips and layout")
struct ArchiveRoundTripTests {
    @Test("round trip", arguments: [0, 1, 1023, 1024, 1025, 2048, 5 * 1024 + 7])
    func roundTrip(count: Int) throws {
        let fixture = ArchiveFixture(chunkSize: 1024)
        let plaintext = ArchiveFixture.plaintext(count)
        let archive = try fixture.write(plaintext)
        #expect(try fixture.read(archive) == plaintext)
        // Layout: each chunk is a 4-byte length and a secretstream message (17 bytes overhead);
        // every chunk but the last is full; the last holds the rest (a full chunk when
        // the plaintext is a non-zero multiple of the chunk size, empty only for an empty archive).
        let chunks = Swift.max(1, (count + 1023) / 1024)
        #expect(archive.count == fixture.chunkOffset(0) + count + chunks * (4 + 17))
    }

    @Test("the default 1 MiB chunk size round-trips a multi-chunk body, read through a small buffer")
    func defaultChunkSize() throws {
        let fixture = ArchiveFixture(chunkSize: ArchiveHeader.defaultChunkSize)
        let plaintext = ArchiveFixture.plaintext(2 * (1 << 20) + 12345)
        let archive = try fixture.write(plaintext, piece: 100_000)
        #expect(archive.count == fixture.chunkOffset(0) + plaintext.count + 3 * (4 + 17))
        let reader = try SealedArchive.open(BufferSource(archive)).unseal(wrappingKey: fixture.wrappingKey)
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4093)
        while true {
            let n = try buffer.withUnsafeMutableBytes { try reader.read(into: $0) }
            if n == 0 { break }
            out += buffer[0..<n]
        }
        #expect(out == plaintext)
        // The end stays the end.
        #expect(try buffer.withUnsafeMutableBytes { try reader.read(into: $0) } == 0)
    }

    @Test("the header starts with LETHEARC, version 1, and parses back equal (unauthenticated, then authenticated)")
    func headerLayout() throws {
        let fixture = ArchiveFixture()
        let archive = try fixture.write([1, 2, 3])
        #expect(Array(archive[0..<8]) == Array("LETHEARC".utf8))
        #expect(Array(archive[8..<10]) == [0, 1])
        let bodyCount = archive[10..<14].reduce(0) { $0 << 8 | Int($1) }
        #expect(14 + bodyCount == fixture.prefixCount)
        let sealed = try SealedArchive.open(BufferSource(archive))
        #expect(sealed.header == fixture.header)
        let reader = try sealed.unseal(customerKey: fixture.customerKey, expiryKey: fixture.expiryKey)
        #expect(reader.header == fixture.header)
    }

    @Test("a base archive id and odd dates survive the round trip; dates are whole seconds")
    func headerFields() throws {
        let ck = SecretKey.random(), ek = SecretKey.random()
        let header = ArchiveHeader(
            pseudonym: Pseudonym("p-x.y_z"), setID: SetID("s"), archiveID: ArchiveID("a"),
            created: Date(timeIntervalSince1970: -12345.75), deleteBy: Date(timeIntervalSince1970: 4_102_444_800.9),
            customerKeyID: ck.id, expiryKeyID: ek.id, baseArchiveID: ArchiveID("base-1"), chunkSize: 16 << 20)
        #expect(header.created == Date(timeIntervalSince1970: -12346))
        #expect(header.deleteBy == Date(timeIntervalSince1970: 4_102_444_800))
        let sink = BufferSink()
        let writer = try ArchiveWriter(header: header, customerKey: ck, expiryKey: ek, output: sink)
        try writer.write([9])
        try writer.finish()
        let reader = try SealedArchive.open(BufferSource(sink.bytes)).unseal(customerKey: ck, expiryKey: ek)
        #expect(reader.header == header)
        #expect(reader.header.baseArchiveID == ArchiveID("base-1"))
        #expect(try reader.readAll() == [9])
    }

    @Test("50 archives get 50 distinct data keys, stream headers and wrapped keys")
    func freshKeys() throws {
        let fixture = ArchiveFixture()
        var dataKeys = Set<KeyID>(), streamHeaders = Set<[UInt8]>(), wrappedKeys = Set<[UInt8]>()
        for _ in 0..<50 {
            let archive = try fixture.write([1, 2, 3])
            streamHeaders.insert(Array(archive[fixture.streamHeaderOffset..<fixture.streamHeaderOffset + 24]))
            wrappedKeys.insert(Array(archive[fixture.wrappedKeyOffset..<fixture.wrappedKeyOffset + 72]))
            let reader = try SealedArchive.open(BufferSource(archive)).unseal(wrappingKey: fixture.wrappingKey)
            dataKeys.insert(reader.dataKeyID)
            #expect(try reader.readAll() == [1, 2, 3])
        }
        #expect(dataKeys.count == 50)
        #expect(streamHeaders.count == 50)
        #expect(wrappedKeys.count == 50)
    }

    @Test("writing after finish, or finishing twice, is refused")
    func writerClosed() throws {
        let fixture = ArchiveFixture()
        let writer = try ArchiveWriter(header: fixture.header, wrappingKey: fixture.wrappingKey, output: BufferSink())
        try writer.write([1])
        try writer.finish()
        #expect(throws: FormatError.writerClosed) { try writer.write([2]) }
        #expect(throws: FormatError.writerClosed) { try writer.finish() }
    }

    @Test("a writer whose output fails is closed and passes the failure on")
    func failingOutput() throws {
        struct Full: Error {}
        final class FailingSink: ByteSink {
            var budget: Int
            init(budget: Int) { self.budget = budget }
            func write(_ bytes: UnsafeRawBufferPointer) throws {
                guard bytes.count <= budget else { throw Full() }
                budget -= bytes.count
            }
        }
        let fixture = ArchiveFixture()
        let writer = try ArchiveWriter(header: fixture.header, wrappingKey: fixture.wrappingKey,
                                       output: FailingSink(budget: fixture.chunkOffset(0) + 10))
        try writer.write(ArchiveFixture.plaintext(1024))
        #expect(throws: Full.self) { try writer.write([1]) }
        #expect(throws: FormatError.writerClosed) { try writer.write([1]) }
        #expect(throws: FormatError.writerClosed) { try writer.finish() }
    }

    @Test("the writer refuses headers the format cannot hold")
    func invalidHeaders() throws {
        let ck = SecretKey.random(), ek = SecretKey.random()
        func header(pseudonym: String = "p1", chunkSize: Int = 1024, base: ArchiveID? = nil) -> ArchiveHeader {
            ArchiveHeader(pseudonym: Pseudonym(pseudonym), setID: SetID("s"), archiveID: ArchiveID("a"),
                          created: ArchiveFixture.created, deleteBy: ArchiveFixture.deleteBy,
                          customerKeyID: ck.id, expiryKeyID: ek.id, baseArchiveID: base, chunkSize: chunkSize)
        }
        for bad in [header(chunkSize: 1023), header(chunkSize: (16 << 20) + 1), header(pseudonym: ""),
                    header(pseudonym: "a/b"), header(pseudonym: ".."), header(pseudonym: "é"),
                    header(pseudonym: String(repeating: "x", count: 129)), header(base: ArchiveID("a b"))] {
            #expect(throws: FormatError.self) {
                try ArchiveWriter(header: bad, customerKey: ck, expiryKey: ek, output: BufferSink())
            }
        }
        #expect(throws: FormatError.malformedHeader("chunk size 1023 is outside 1024...16777216")) {
            try ArchiveWriter(header: header(chunkSize: 1023), customerKey: ck, expiryKey: ek, output: BufferSink())
        }
    }

    @Test("the writer refuses keys other than those the header names")
    func writerKeyMismatch() throws {
        let fixture = ArchiveFixture()
        let other = SecretKey.random()
        #expect(throws: FormatError.keyMismatch(which: "customer key", expected: fixture.header.customerKeyID.rawValue, actual: other.id.rawValue)) {
            try ArchiveWriter(header: fixture.header, customerKey: other, expiryKey: fixture.expiryKey, output: BufferSink())
        }
        #expect(throws: FormatError.keyMismatch(which: "expiry key", expected: fixture.header.expiryKeyID.rawValue, actual: other.id.rawValue)) {
            try ArchiveWriter(header: fixture.header, customerKey: fixture.customerKey, expiryKey: other, output: BufferSink())
        }
    }

    @Test("no plaintext appears in the archive bytes")
    func noPlaintext() throws {
        let fixture = ArchiveFixture()
        let marker = Array("CUSTOMER-SECRET-ROW-0123456789".utf8)
        let plaintext = Array((0..<200).map { _ in marker }.joined())
        let archive = try fixture.write(plaintext)
        let hay = Digest.hex(archive)
        #expect(!hay.contains(Digest.hex(marker.prefix(12))))
    }
}
