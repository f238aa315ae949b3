import Foundation

/// Reads a manifest's JSON straight into a ``TarManifest``, for speed: `JSONDecoder` took 8 % of
/// a differential's restore, which reads three manifests (``TarManifest/encoded()`` is the writer).
///
/// It accepts what `JSONDecoder` accepts for a manifest (any key order and whitespace, escapes
/// in strings and keys, `null` for an absent optional, unknown keys with any value) and refuses
/// anything else: malformed JSON, a missing or mistyped field, a number that is not an integer of
/// the field's range, invalid UTF-8, bytes after the object, nesting deeper than ``maximumDepth``;
/// and, stricter than `JSONDecoder` where no writer of manifests goes, a duplicate key or an
/// integer written with a fraction (`3.0`).
final class ManifestJSONReader {
    /// The JSON is not a manifest (the caller says so as `manifestMismatch`).
    struct Refused: Error {}

    /// The deepest nesting of an unknown key's value that is read through.
    static let maximumDepth = 64

    private let bytes: [UInt8]
    private var at = 0

    init(_ data: Data) { bytes = [UInt8](data) }

    /// The manifest `data` holds.
    static func manifest(_ data: Data) throws -> TarManifest { try ManifestJSONReader(data).manifest() }

    /// The manifest the JSON holds.
    func manifest() throws -> TarManifest {
        var manifest = TarManifest()
        var seen = KeysSeen()
        var format: String?, version: Int?, entries: [TarManifest.Entry]?
        var files: Int?, directories: Int?, symlinks: Int?, total: Int64?
        try object { key in
            switch key {
            case Keys.format: try seen.first(0); format = try string()
            case Keys.version: try seen.first(1); version = try integer()
            case Keys.base: try seen.first(2); manifest.base = try null() ? nil : string()
            case Keys.entries: try seen.first(3); entries = try array { try entry() }
            case Keys.files: try seen.first(4); files = try integer()
            case Keys.directories: try seen.first(5); directories = try integer()
            case Keys.symlinks: try seen.first(6); symlinks = try integer()
            case Keys.bytes: try seen.first(7); total = try integer()
            case Keys.unreadable: try seen.first(8); manifest.unreadable = try null() ? nil : array { try string() }
            default: try skipValue(depth: 0)
            }
        }
        skipWhitespace()
        guard at == bytes.count, let format, let version, let entries, let files, let directories, let symlinks, let total else {
            throw Refused()
        }
        (manifest.format, manifest.version, manifest.entries) = (format, version, entries)
        (manifest.files, manifest.directories, manifest.symlinks, manifest.bytes) = (files, directories, symlinks, total)
        return manifest
    }

    /// One entry of `entries`.
    private func entry() throws -> TarManifest.Entry {
        var seen = KeysSeen()
        var path: String?, type: String?, size: Int64?, mode: UInt32?, mtime: Int?, nanos: Int?
        var target: String?, device: UInt64?, inode: UInt64?, fromBase: Bool?
        try object { key in
            switch key {
            case Keys.path: try seen.first(0); path = try string()
            case Keys.type: try seen.first(1); type = try string()
            case Keys.size: try seen.first(2); size = try integer()
            case Keys.mode: try seen.first(3); mode = try integer()
            case Keys.mtime: try seen.first(4); mtime = try integer()
            case Keys.mtimeNanos: try seen.first(5); nanos = try integer()
            case Keys.target: try seen.first(6); target = try null() ? nil : string()
            case Keys.device: try seen.first(7); device = try null() ? nil : integer()
            case Keys.inode: try seen.first(8); inode = try null() ? nil : integer()
            case Keys.fromBase: try seen.first(9); fromBase = try null() ? nil : boolean()
            default: try skipValue(depth: 0)
            }
        }
        guard let path, let type, let size, let mode, let mtime, let nanos else { throw Refused() }
        return TarManifest.Entry(path: path, type: type, size: size, mode: mode, mtime: mtime, mtimeNanos: nanos,
                                 target: target, device: device, inode: inode, fromBase: fromBase)
    }

    /// The known keys an object has had so far, one bit each: a second one is refused.
    private struct KeysSeen {
        var bits: UInt32 = 0
        mutating func first(_ bit: Int) throws {
            guard bits & (1 << bit) == 0 else { throw Refused() }
            bits |= 1 << bit
        }
    }

    /// The keys a manifest has, as bytes.
    private enum Keys {
        static let format = Array("format".utf8), version = Array("version".utf8), base = Array("base".utf8)
        static let entries = Array("entries".utf8), files = Array("files".utf8), directories = Array("directories".utf8)
        static let symlinks = Array("symlinks".utf8), bytes = Array("bytes".utf8), unreadable = Array("unreadable".utf8)
        static let path = Array("path".utf8), type = Array("type".utf8), size = Array("size".utf8), mode = Array("mode".utf8)
        static let mtime = Array("mtime".utf8), mtimeNanos = Array("mtimeNanos".utf8), target = Array("target".utf8)
        static let device = Array("device".utf8), inode = Array("inode".utf8), fromBase = Array("from_base".utf8)
    }

    // MARK: JSON

    private func skipWhitespace() {
        while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x0A || bytes[at] == 0x0D || bytes[at] == 0x09 { at += 1 }
    }

    /// The next byte after whitespace, not consumed.
    private func peek() throws -> UInt8 {
        skipWhitespace()
        guard at < bytes.count else { throw Refused() }
        return bytes[at]
    }

    private func expect(_ byte: UInt8) throws {
        guard try peek() == byte else { throw Refused() }
        at += 1
    }

    /// Consumes `word` (a literal) if it comes next.
    private func consume(_ word: StaticString) throws -> Bool {
        let count = word.utf8CodeUnitCount
        guard try peek() == word.utf8Start[0], at + count <= bytes.count else { return false }
        for index in 0..<count where bytes[at + index] != word.utf8Start[index] { throw Refused() }
        at += count
        return true
    }

    /// Consumes `null` if it comes next.
    private func null() throws -> Bool { try consume("null") }

    private func boolean() throws -> Bool {
        if try consume("true") { return true }
        if try consume("false") { return false }
        throw Refused()
    }

    /// An object: `member` reads each value once its key has been read.
    private func object(_ member: ([UInt8]) throws -> Void) throws {
        try expect(UInt8(ascii: "{"))
        if try peek() == UInt8(ascii: "}") { at += 1; return }
        while true {
            let key = try stringBytes()
            try expect(UInt8(ascii: ":"))
            try member(key)
            if try peek() == UInt8(ascii: ",") { at += 1; continue }
            try expect(UInt8(ascii: "}"))
            return
        }
    }

    /// An array of the values `element` reads.
    private func array<T>(_ element: () throws -> T) throws -> [T] {
        try expect(UInt8(ascii: "["))
        var values: [T] = []
        if try peek() == UInt8(ascii: "]") { at += 1; return values }
        while true {
            values.append(try element())
            if try peek() == UInt8(ascii: ",") { at += 1; continue }
            try expect(UInt8(ascii: "]"))
            return values
        }
    }

    /// An integer of `T`'s range, written as JSON writes one (no fraction, no exponent, no
    /// leading zero).
    private func integer<T: FixedWidthInteger>() throws -> T {
        var negative = false
        if try peek() == UInt8(ascii: "-") { negative = true; at += 1 }
        let start = at
        var value: T = 0
        while at < bytes.count, bytes[at] >= UInt8(ascii: "0"), bytes[at] <= UInt8(ascii: "9") {
            let digit = T(bytes[at] - UInt8(ascii: "0"))
            let (times, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowB) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
            guard !overflowA, !overflowB else { throw Refused() }
            value = next
            at += 1
        }
        guard at > start, !(bytes[start] == UInt8(ascii: "0") && at - start > 1) else { throw Refused() }
        if at < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[at]) { throw Refused() }
        return value
    }

    private func string() throws -> String {
        guard let text = String(validating: try stringBytes(), as: UTF8.self) else { throw Refused() }
        return text
    }

    /// A string's bytes, escapes decoded (UTF-8 checked by the caller where it keeps text).
    private func stringBytes() throws -> [UInt8] {
        try expect(UInt8(ascii: "\""))
        var out: [UInt8] = []
        while true {
            guard at < bytes.count else { throw Refused() }
            let byte = bytes[at]
            at += 1
            switch byte {
            case UInt8(ascii: "\""): return out
            case UInt8(ascii: "\\"): try escape(into: &out)
            case ..<0x20: throw Refused()
            default: out.append(byte)
            }
        }
    }

    private func escape(into out: inout [UInt8]) throws {
        guard at < bytes.count else { throw Refused() }
        let byte = bytes[at]
        at += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(byte)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800..<0xDC00).contains(scalar) {
                guard at + 1 < bytes.count, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") else { throw Refused() }
                at += 2
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw Refused() }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw Refused() }
            out.append(contentsOf: UTF8.encode(unicode)!)
        default: throw Refused()
        }
    }

    private func hex4() throws -> UInt32 {
        guard at + 4 <= bytes.count else { throw Refused() }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[at]
            at += 1
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw Refused()
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// Reads through any value (an unknown key's).
    private func skipValue(depth: Int) throws {
        guard depth < Self.maximumDepth else { throw Refused() }
        switch try peek() {
        case UInt8(ascii: "{"): try object { _ in try skipValue(depth: depth + 1) }
        case UInt8(ascii: "["): _ = try array { try skipValue(depth: depth + 1) }
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "t"), UInt8(ascii: "f"): _ = try boolean()
        case UInt8(ascii: "n"): guard try null() else { throw Refused() }
        default: try skipNumber()
        }
    }

    /// Reads through a JSON number of any form.
    private func skipNumber() throws {
        func digits() throws {
            let start = at
            while at < bytes.count, bytes[at] >= UInt8(ascii: "0"), bytes[at] <= UInt8(ascii: "9") { at += 1 }
            guard at > start else { throw Refused() }
        }
        if bytes[at] == UInt8(ascii: "-") { at += 1 }
        let start = at
        try digits()
        guard !(bytes[start] == UInt8(ascii: "0") && at - start > 1) else { throw Refused() }
        if at < bytes.count, bytes[at] == UInt8(ascii: ".") { at += 1; try digits() }
        if at < bytes.count, bytes[at] == UInt8(ascii: "e") || bytes[at] == UInt8(ascii: "E") {
            at += 1
            if at < bytes.count, bytes[at] == UInt8(ascii: "+") || bytes[at] == UInt8(ascii: "-") { at += 1 }
            try digits()
        }
    }
}
