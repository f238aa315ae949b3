import Foundation
import LetheCore
import LetheTestSupport
import Testing
@testable import LetheTar

/// The reader accepts libarchive's warning only when it is about converting a name (a UTF-8
/// pax name read under "C", as in archives written before `hdrcharset=BINARY`); every other
/// warning stays an error. The tar bytes are built by hand so each case is exactly one record.
@Suite struct NameWarningTests {
    /// A 512-byte ustar header.
    static func header(name: [UInt8], type: UInt8, size: Int, link: [UInt8] = []) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ bytes: [UInt8], at offset: Int) { for (i, b) in bytes.enumerated() { block[offset + i] = b } }
        func octal(_ value: Int, width: Int) -> [UInt8] {
            Array(String(value, radix: 8).leftPadded(to: width - 1).utf8) + [0]
        }
        put(Array(name.prefix(100)), at: 0)
        put(octal(0o644, width: 8), at: 100)
        put(octal(0, width: 8), at: 108)
        put(octal(0, width: 8), at: 116)
        put(octal(size, width: 12), at: 124)
        put(octal(1_700_000_000, width: 12), at: 136)
        put([UInt8](repeating: 0x20, count: 8), at: 148)
        block[156] = type
        put(Array(link.prefix(100)), at: 157)
        put(Array("ustar\u{0}00".utf8), at: 257)
        let sum = block.reduce(0) { $0 + Int($1) }
        put(Array(String(sum, radix: 8).leftPadded(to: 6).utf8) + [0, 0x20], at: 148)
        return block
    }

    /// `bytes` padded to a whole number of blocks.
    static func padded(_ bytes: [UInt8]) -> [UInt8] {
        bytes + [UInt8](repeating: 0, count: (512 - bytes.count % 512) % 512)
    }

    /// An uncompressed tar: one pax extended header holding `records`, then an empty regular
    /// file, or a symbolic link to `link` (in the ustar field too, as libarchive writes it).
    static func stream(paxRecords records: [UInt8], link: [UInt8]? = nil) -> [UInt8] {
        header(name: Array("PaxHeader/x".utf8), type: UInt8(ascii: "x"), size: records.count) + padded(records)
            + header(name: Array("data/placeholder".utf8), type: UInt8(ascii: link == nil ? "0" : "2"), size: 0, link: link ?? [])
            + [UInt8](repeating: 0, count: 1024)
    }

    /// A pax record "LEN key=value\n" with its correct length.
    static func record(_ key: String, _ value: [UInt8]) -> [UInt8] {
        let body = Array(" \(key)=".utf8) + value + [0x0a]
        var length = body.count + 1
        while String(length).utf8.count + body.count != length { length += 1 }
        return Array(String(length).utf8) + body
    }

    @Test func aUTF8PaxNameWithoutHdrcharsetReadsAsItsStoredBytes() throws {
        let path = Array("data/".utf8) + NastyNames.nfdE + Array(".txt".utf8)
        let reader = try LibArchiveReader(from: BufferSource(Self.stream(paxRecords: Self.record("path", path))), zstd: false)
        let entry = try #require(try reader.nextHeader())
        #expect(EntryFields.path(entry) == path)
    }

    @Test func aNonUTF8LinkTargetWithoutHdrcharsetReadsAsItsStoredBytes() throws {
        let target: [UInt8] = [0x65, 0xcc, 0x81, 0xff]
        let records = Self.record("path", Array("data/link".utf8)) + Self.record("linkpath", target)
        let tar = Self.stream(paxRecords: records, link: target)
        let reader = try LibArchiveReader(from: BufferSource(tar), zstd: false)
        let entry = try #require(try reader.nextHeader())
        #expect(EntryFields.symlink(entry) == target)
    }

    @Test func aMalformedPaxRecordIsAnErrorNotAnAcceptedWarning() throws {
        // The record claims 99 bytes; libarchive ignores it with ARCHIVE_WARN.
        let reader = try LibArchiveReader(from: BufferSource(Self.stream(paxRecords: Array("99 path=data/x\n".utf8))), zstd: false)
        #expect {
            _ = try reader.nextHeader()
        } throws: { error in
            guard case let TarError.libarchive(message) = error else { return false }
            return message.contains("malformed")
        }
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
