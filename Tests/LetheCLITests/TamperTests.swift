import Foundation
import LetheTestSupport
import Testing

/// Every region of a stored archive, altered: the restore exits 3, names what failed, and
/// leaves the target untouched.
@Suite struct TamperTests {
    /// One way to damage a stored copy.
    enum Tamper: String, CaseIterable, CustomTestStringConvertible {
        case headerBit, wrappedKeyBit, streamHeaderBit, firstChunkBit, middleChunkBit, finalTagBit
        case truncatedAtChunkBoundary, truncatedMidChunk, appendedBytes, redatedHeader
        case otherCustomersArchive, otherSetsArchive
        case customerKeyIDChanged, expiryKeyIDChanged

        var testDescription: String { rawValue }

        /// Words the error message must contain.
        var expectedMessage: String {
            switch self {
            case .headerBit: return "header or its wrapped key failed authentication"
            case .redatedHeader, .otherCustomersArchive, .otherSetsArchive:
                return "not the copy the catalog recorded"
            case .customerKeyIDChanged: return "not the copy the catalog recorded there (its header names another customer key)"
            case .expiryKeyIDChanged: return "not the copy the catalog recorded there (its header names another expiry key)"
            case .wrappedKeyBit: return "wrapped key failed authentication"
            case .streamHeaderBit, .firstChunkBit: return "chunk 0"
            case .middleChunkBit: return "chunk 1"
            case .finalTagBit: return "chunk 2 of the archive failed authentication"
            case .truncatedAtChunkBoundary, .truncatedMidChunk: return "cut short"
            case .appendedBytes: return "follow the archive's final chunk"
            }
        }
    }

    static let chunk = 1 << 20
    /// A full chunk on disk: 4-byte length, ciphertext, 17 bytes of tag and header (docs/FORMAT.md).
    static let chunkOnDisk = 4 + chunk + 17

    @Test(arguments: Tamper.allCases)
    func tamperedArchiveIsRefused(_ tamper: Tamper) throws {
        let fixture = try CLIFixture(customers: [
            "alice": ["big.bin": randomBytes(Self.chunk * 5 / 2, seed: 1), "note.txt": Array("hello".utf8)],
            "bob": ["b.bin": randomBytes(Self.chunk * 5 / 2, seed: 2)],
        ])
        fixture.environment["LETHE_NOW"] = "2026-11-02T01:00:00Z"
        try fixture.succeed(["backup"])
        // The month's next first night: another monthly, full, so the later set does not depend on
        // the tampered one (a differential read against a tampered base: DifferentialCLITests).
        fixture.environment["LETHE_NOW"] = "2026-12-01T01:00:00Z"
        try fixture.succeed(["backup"])
        let sets = try fixture.copies(customer: "alice").compactMap { $0["set"] as? String }
        let target = try fixture.archiveFile(customer: "alice", set: sets[0])
        var bytes = [UInt8](try Data(contentsOf: target))
        let headerEnd = 14 + Int(bytes[10]) << 24 + Int(bytes[11]) << 16 + Int(bytes[12]) << 8 + Int(bytes[13])
        let streamStart = headerEnd + 72
        let body = streamStart + 24
        switch tamper {
        case .headerBit:
            // The chunk size (the header's last field, 1 MiB) is bound only by authentication:
            // the catalog does not record it. One more byte per chunk is still a valid size.
            bytes[headerEnd - 1] ^= 0x01
        case .wrappedKeyBit: bytes[headerEnd + 30] ^= 0x01
        case .streamHeaderBit: bytes[streamStart + 5] ^= 0x01
        case .firstChunkBit: bytes[body + 1000] ^= 0x01
        case .middleChunkBit: bytes[body + Self.chunkOnDisk + 1000] ^= 0x01
        case .finalTagBit: bytes[bytes.count - 1] ^= 0x01
        case .truncatedAtChunkBoundary: bytes.removeLast(bytes.count - (body + 2 * Self.chunkOnDisk))
        case .truncatedMidChunk: bytes.removeLast(bytes.count - (body + Self.chunkOnDisk + 4000))
        case .appendedBytes: bytes += Array("more".utf8)
        case .redatedHeader:
            // The delete-by is a big-endian second count in the header: move it one day later.
            let original = try deleteBy(of: fixture, set: sets[0])
            let index = try #require(find(bigEndian: original, in: Array(bytes[0..<headerEnd])))
            let redated = original + 86_400
            for i in 0..<8 { bytes[index + i] = UInt8(truncatingIfNeeded: redated >> (56 - 8 * i)) }
        case .otherCustomersArchive:
            bytes = [UInt8](try Data(contentsOf: fixture.archiveFile(customer: "bob", set: sets[0])))
        case .otherSetsArchive:
            bytes = [UInt8](try Data(contentsOf: fixture.archiveFile(customer: "alice", set: sets[1])))
        case .customerKeyIDChanged, .expiryKeyIDChanged:
            // One character of a key id in the header (docs/FORMAT.md: fields 6 and 7), still valid hex.
            let index = keyIDOffset(in: bytes, field: tamper == .customerKeyIDChanged ? 0 : 1)
            bytes[index] = bytes[index] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        }
        try Data(bytes).write(to: target)

        let restoreTarget = fixture.root.url.appendingPathComponent("restored")
        let result = try fixture.lethe(["restore", "--customer", "alice", "--set", sets[0], "--to", restoreTarget.path])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains(tamper.expectedMessage), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: restoreTarget.path))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: fixture.root.url.path).filter { $0.hasPrefix(".lethe-restore") }
        #expect(leftovers.isEmpty)

        // The untouched later set still restores.
        let other = fixture.root.url.appendingPathComponent("restored-later")
        if tamper != .otherSetsArchive {
            try fixture.succeed(["restore", "--customer", "alice", "--set", sets[1], "--to", other.path])
            #expect(try Data(contentsOf: other.appendingPathComponent("note.txt")) == Data("hello".utf8))
        }
    }

    func deleteBy(of fixture: CLIFixture, set: String) throws -> Int64 {
        let copy = try #require(try fixture.copies(customer: "alice").first { $0["set"] as? String == set })
        let text = try #require(copy["delete_by"] as? String)
        let date = try #require(ISO8601DateFormatter().date(from: text))
        return Int64(date.timeIntervalSince1970)
    }

    /// The offset of the first character of the header's customer key id (`field` 0) or expiry
    /// key id (1): after three identifiers and two dates (docs/FORMAT.md, "Header body").
    func keyIDOffset(in bytes: [UInt8], field: Int) -> Int {
        var offset = 14
        for _ in 0..<3 { offset += 1 + Int(bytes[offset]) }
        offset += 16
        for _ in 0..<field { offset += 1 + Int(bytes[offset]) }
        return offset + 1
    }

    func find(bigEndian value: Int64, in bytes: [UInt8]) -> Int? {
        let pattern = (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
        guard bytes.count >= 8 else { return nil }
        return (0...(bytes.count - 8)).first { Array(bytes[$0..<$0 + 8]) == pattern }
    }
}
