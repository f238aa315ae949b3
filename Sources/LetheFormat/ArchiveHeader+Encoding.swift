import Foundation
import LetheCore

/// Fixed facts of the byte layout (see docs/FORMAT.md).
enum ArchiveLayout {
    /// "LETHEARC"
    static let magic: [UInt8] = Array("LETHEARC".utf8)
    /// magic (8) + version (2) + header-body length (4).
    static let fixedPrefixCount = 14
    /// Readers refuse longer header bodies (a valid one is under 800 bytes).
    static let maxHeaderBodyCount = 4096
    /// Each chunk starts with its plaintext length, u32 big-endian.
    static let chunkLengthCount = 4
}

extension ArchiveHeader {
    /// The header body: every field, in order, big-endian, identifiers length-prefixed.
    func encodedBody() -> [UInt8] {
        var e = ByteEncoder()
        e.identifier(pseudonym.rawValue)
        e.identifier(setID.rawValue)
        e.identifier(archiveID.rawValue)
        e.seconds(created)
        e.seconds(deleteBy)
        e.identifier(customerKeyID.rawValue)
        e.identifier(expiryKeyID.rawValue)
        e.identifier(baseArchiveID?.rawValue ?? "")
        e.u32(UInt32(chunkSize))
        return e.bytes
    }

    /// Everything before the wrapped data key: magic, version, body length, body. It is the
    /// associated data of the data-key wrap, so every one of these bytes is authenticated.
    func encodedPrefix() -> [UInt8] {
        let body = encodedBody()
        var e = ByteEncoder()
        e.bytes += ArchiveLayout.magic
        e.u16(ArchiveHeader.formatVersion)
        e.u32(UInt32(body.count))
        e.bytes += body
        return e.bytes
    }

    /// The associated data of every body chunk: the archive-level fields only, so that copies
    /// with different delete-by dates share the same body bytes.
    func bodyAssociatedData() -> [UInt8] {
        var e = ByteEncoder()
        e.bytes += ArchiveLayout.magic
        e.u16(ArchiveHeader.formatVersion)
        e.identifier(pseudonym.rawValue)
        e.identifier(setID.rawValue)
        e.identifier(archiveID.rawValue)
        e.seconds(created)
        e.identifier(baseArchiveID?.rawValue ?? "")
        e.u32(UInt32(chunkSize))
        return e.bytes
    }

    /// Parses and validates a header body.
    ///
    /// - Throws: `FormatError.malformedHeader` for short, overlong or invalid fields.
    static func decodeBody(_ bytes: [UInt8]) throws -> ArchiveHeader {
        var d = ByteDecoder(bytes: bytes)
        let pseudonym = try d.identifier("pseudonym")
        let setID = try d.identifier("set id")
        let archiveID = try d.identifier("archive id")
        let created = try d.seconds("created")
        let deleteBy = try d.seconds("delete-by")
        let customerKeyID = try d.identifier("customer key id")
        let expiryKeyID = try d.identifier("expiry key id")
        let base = try d.identifier("base archive id")
        let chunkSize = try d.u32("chunk size")
        guard d.isAtEnd else { throw FormatError.malformedHeader("extra bytes after the last field") }
        let header = ArchiveHeader(
            pseudonym: Pseudonym(pseudonym), setID: SetID(setID), archiveID: ArchiveID(archiveID),
            created: created, deleteBy: deleteBy, customerKeyID: KeyID(customerKeyID),
            expiryKeyID: KeyID(expiryKeyID), baseArchiveID: base.isEmpty ? nil : ArchiveID(base),
            chunkSize: Int(chunkSize))
        try header.validate()
        return header
    }
}

/// Appends big-endian integers and length-prefixed identifiers.
struct ByteEncoder {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { bytes += [UInt8(v >> 8), UInt8(v & 0xff)] }
    mutating func u32(_ v: UInt32) { for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8((v >> UInt32(shift)) & 0xff)) } }
    mutating func i64(_ v: Int64) {
        let u = UInt64(bitPattern: v)
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8((u >> UInt64(shift)) & 0xff)) }
    }
    /// Whole seconds since 1970-01-01T00:00:00Z, signed 64-bit.
    mutating func seconds(_ date: Date) { i64(Int64(date.timeIntervalSince1970.rounded(.down))) }
    /// One length byte, then the ASCII bytes (validated identifiers are at most 128 bytes).
    mutating func identifier(_ s: String) {
        let utf8 = Array(s.utf8)
        precondition(utf8.count <= 255)
        u8(UInt8(utf8.count))
        bytes += utf8
    }
}

/// Reads what `ByteEncoder` wrote, refusing short input with the field's name.
struct ByteDecoder {
    let bytes: [UInt8]
    var offset = 0

    var isAtEnd: Bool { offset == bytes.count }

    mutating func take(_ count: Int, _ field: String) throws -> ArraySlice<UInt8> {
        guard bytes.count - offset >= count else {
            throw FormatError.malformedHeader("the header ends inside the \(field)")
        }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    mutating func u32(_ field: String) throws -> UInt32 {
        try take(4, field).reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func seconds(_ field: String) throws -> Date {
        let raw = try take(8, field).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let seconds = Int64(bitPattern: raw)
        guard ArchiveHeader.secondsRange.contains(Double(seconds)) else {
            throw FormatError.malformedHeader("\(field) is out of range")
        }
        return Date(timeIntervalSince1970: Double(seconds))
    }

    mutating func identifier(_ field: String) throws -> String {
        let length = try take(1, field)
        let count = Int(length[length.startIndex])
        let raw = try take(count, field)
        // Validation (ASCII letters, digits, . _ -) happens in ArchiveHeader.validate.
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw FormatError.malformedHeader("the \(field) is not text")
        }
        return text
    }
}
