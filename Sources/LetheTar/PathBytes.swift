/// Paths as bytes: any name round-trips, UTF-8 or not.
public enum PathBytes {
    static let slash = UInt8(ascii: "/")
    static let dot = UInt8(ascii: ".")

    /// Splits on `/`, keeping empty components (callers decide what they mean).
    static func components(_ path: [UInt8]) -> [[UInt8]] {
        path.split(separator: slash, omittingEmptySubsequences: false).map(Array.init)
    }

    /// Joins components with `/`.
    static func join(_ components: [[UInt8]]) -> [UInt8] {
        var result: [UInt8] = []
        for (index, component) in components.enumerated() {
            if index > 0 { result.append(slash) }
            result += component
        }
        return result
    }

    static func isDotDot(_ component: [UInt8]) -> Bool { component == [dot, dot] }
    static func isDot(_ component: [UInt8]) -> Bool { component == [dot] }

    /// True when the bytes are valid UTF-8.
    static func isUTF8(_ bytes: [UInt8]) -> Bool {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    /// The bytes with every byte that is not part of a valid UTF-8 sequence replaced by `%XX`;
    /// valid UTF-8 comes back unchanged. For formats that require UTF-8 names (zip).
    static func repairingUTF8(_ bytes: [UInt8]) -> [UInt8] {
        if isUTF8(bytes) { return bytes }
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        var index = 0
        outer: while index < bytes.count {
            for length in 1...4 where index + length <= bytes.count {
                let sequence = Array(bytes[index..<index + length])
                if isUTF8(sequence) {
                    out += sequence
                    index += length
                    continue outer
                }
            }
            out += [UInt8(ascii: "%"), hex[Int(bytes[index] >> 4)], hex[Int(bytes[index] & 0xF)]]
            index += 1
        }
        return out
    }

    /// Percent-escapes every byte outside `A-Z a-z 0-9 - . _ ~ /`: reversible, ASCII, and
    /// readable for ordinary names. Used for paths in the manifest, and to show a customer
    /// folder's name on a terminal.
    public static func escape(_ bytes: [UInt8]) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), slash:
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes `escape` made `text` from; nil for text `escape` never writes.
    static func unescape(_ text: String) -> [UInt8]? {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        func hexValue(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%") {
                guard index + 2 < bytes.count, let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) else { return nil }
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return escape(out) == text ? out : nil
    }

    /// Whether a relative symlink target, read from the link's folder, stays inside the root
    /// when followed, including through other symbolic links of the tree.
    ///
    /// - Parameters:
    ///   - linkFolder: components of the folder holding the link, relative to the root.
    ///   - target: the link target.
    ///   - lookup: the target of the symlink at a root-relative path, or nil when that path is
    ///     not a symlink (missing paths are fine: a dangling link that stays inside is allowed).
    static func staysInside(
        linkFolder: [[UInt8]], target: [UInt8], lookup: ([[UInt8]]) -> [UInt8]?
    ) -> Bool {
        if target.first == slash || target.isEmpty { return false }
        var position = linkFolder
        var pending = Array(components(target).reversed())
        var hops = 0
        while let component = pending.popLast() {
            if component.isEmpty || isDot(component) { continue }
            if isDotDot(component) {
                if position.isEmpty { return false }
                position.removeLast()
                continue
            }
            position.append(component)
            if let next = lookup(position) {
                hops += 1
                // A loop fails with ELOOP when followed: it cannot lead anywhere.
                if hops > 40 { return true }
                if next.first == slash || next.isEmpty { return false }
                position.removeLast()
                pending += components(next).reversed()
            }
        }
        return true
    }
}
