import Foundation

/// A customer's id: the name of their folder under the source root, as the file system holds
/// it: exact bytes, never normalised, not necessarily UTF-8. Folders whose names differ only in
/// Unicode normalisation (NFC `Café` and NFD `Cafe` + U+0301) are two customers.
///
/// Personal data: it is never printed, logged or stored outside the key store's keyed hash.
/// `description` is redacted and the mirror is empty, so that string interpolation, `dump`
/// and debuggers cannot leak it by accident.
public struct CustomerID: Hashable, Sendable, CustomStringConvertible, CustomReflectable {
    /// The folder name's bytes; use only to look up the key store or to find the source folder.
    public let bytes: [UInt8]

    /// Creates an id from a folder name's exact bytes, refusing names that cannot be a single
    /// folder: empty, `.`, `..`, or holding `/` or NUL.
    public init?(bytes: [UInt8]) {
        let dot = UInt8(ascii: ".")
        guard !bytes.isEmpty, bytes != [dot], bytes != [dot, dot],
              !bytes.contains(UInt8(ascii: "/")), !bytes.contains(0) else { return nil }
        self.bytes = bytes
    }

    /// Creates an id from a name given as text: its UTF-8 bytes as they are (no normalisation).
    public init?(_ name: String) { self.init(bytes: Array(name.utf8)) }

    /// Always `<customer>`: the id itself is never printed.
    public var description: String { "<customer>" }

    /// No children: `dump` and debuggers show no bytes of the id.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}

/// The random name a customer has everywhere outside the key store.
public struct Pseudonym: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let rawValue: String

    /// Wraps a pseudonym read from a trusted place (catalog, key store, authenticated header).
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// A fresh random pseudonym: "p" followed by 26 lowercase base32 characters (130 bits).
    public static func random() -> Pseudonym {
        Pseudonym("p" + RandomName.base32(count: 26))
    }

    public var description: String { rawValue }
    public static func < (a: Pseudonym, b: Pseudonym) -> Bool { a.rawValue < b.rawValue }
}

/// Identifies one run of the backup: its UTC start time and a random suffix,
/// so that ids sort by creation time ("20261129T021000Z-k3f9").
public struct SetID: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// A new id for a set created at `created`.
    public static func make(created: Date) -> SetID {
        SetID(Timestamp.compact(created) + "-" + RandomName.base32(count: 4))
    }

    public var description: String { rawValue }
    public static func < (a: SetID, b: SetID) -> Bool { a.rawValue < b.rawValue }
}

/// Identifies one archive (one customer in one set); shared by all its copies.
public struct ArchiveID: Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// A fresh random id: 26 base32 characters.
    public static func random() -> ArchiveID { ArchiveID(RandomName.base32(count: 26)) }

    public var description: String { rawValue }
}

/// The name of an object in a store: relative, "/"-separated, no empty, "." or ".." parts.
public struct ObjectKey: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let rawValue: String

    /// Validates a key; returns nil for anything that could escape a store's root.
    public init?(_ rawValue: String) {
        guard Self.isSafe(rawValue.utf8) else { return nil }
        self.rawValue = rawValue
    }

    /// One pass over the bytes (the catalog validates every key it reads): non-empty, no NUL,
    /// and no "/"-separated part empty, "." or "..".
    private static func isSafe(_ bytes: String.UTF8View) -> Bool {
        let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")
        var partLength = 0
        var partIsDots = true
        func partIsSafe() -> Bool { partLength > 0 && !(partIsDots && partLength <= 2) }
        for byte in bytes {
            if byte == 0 { return false }
            if byte == slash {
                guard partIsSafe() else { return false }
                partLength = 0
                partIsDots = true
            } else {
                partLength += 1
                if byte != dot { partIsDots = false }
            }
        }
        return partIsSafe()
    }

    /// Where every archive copy's key starts.
    public static let archivePrefix = "archives/"

    /// The key of one copy of an archive: pseudonyms and ids only, never a customer id.
    ///
    /// `archives/<pseudonym>/<set>-<archive>.lethe`: one folder per customer in a local store,
    /// one file per archive (a set id ends with a dash and four characters, an archive id has no
    /// dash, so the last dash separates them). Stores written before this layout hold
    /// `archives/<pseudonym>/<set>/<archive>.lethe`; every copy is read at the key its catalog
    /// row names, so both stay readable (`archiveSet` reads both).
    public static func archive(pseudonym: Pseudonym, set: SetID, archive: ArchiveID) -> ObjectKey {
        ObjectKey("\(archivePrefix)\(pseudonym.rawValue)/\(set.rawValue)-\(archive.rawValue)\(archiveSuffix)")!
    }

    /// How every archive copy's key ends.
    static let archiveSuffix = ".lethe"

    /// The set an archive copy's key names (in either layout), or nil if this is not an archive key.
    public var archiveSet: SetID? {
        let parts = rawValue.split(separator: "/")
        guard rawValue.hasPrefix(Self.archivePrefix), rawValue.hasSuffix(Self.archiveSuffix) else { return nil }
        switch parts.count {
        case 4: return SetID(String(parts[2]))  // archives/<pseudonym>/<set>/<archive>.lethe
        case 3:
            let name = parts[2].dropLast(Self.archiveSuffix.count)
            guard let dash = name.lastIndex(of: "-"), dash > name.startIndex else { return nil }
            return SetID(String(name[..<dash]))
        default: return nil
        }
    }

    public var description: String { rawValue }
    public static func < (a: ObjectKey, b: ObjectKey) -> Bool { a.rawValue < b.rawValue }
}

/// Random lowercase base32 names (RFC 4648 alphabet, lower case).
public enum RandomName {
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")

    /// `count` random characters from the system's secure generator.
    ///
    /// Each draw of 64 random bits gives twelve characters (five bits each): one system call
    /// (`getrandom`) per twelve characters, not one per character, since a backup names two
    /// things per customer (the archive id and the temporary file).
    public static func base32(count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var characters: [Character] = []
        characters.reserveCapacity(count)
        var bits: UInt64 = 0
        var left = 0
        while characters.count < count {
            if left == 0 { (bits, left) = (generator.next(), 12) }
            characters.append(alphabet[Int(bits & 31)])
            bits >>= 5
            left -= 1
        }
        return String(characters)
    }
}

/// Ids encode as plain strings in JSON, not as `{"rawValue": …}`.
public protocol StringIdentifier: Codable {
    var rawValue: String { get }
    init(identifier: String) throws
}

extension StringIdentifier {
    public init(from decoder: any Decoder) throws {
        try self.init(identifier: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

extension Pseudonym: StringIdentifier {
    public init(identifier: String) { self.init(identifier) }
}

extension SetID: StringIdentifier {
    public init(identifier: String) { self.init(identifier) }
}

extension ArchiveID: StringIdentifier {
    public init(identifier: String) { self.init(identifier) }
}

extension ObjectKey: StringIdentifier {
    public init(identifier rawValue: String) throws {
        guard let key = ObjectKey(rawValue) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "'\(rawValue)' is not a valid object key"))
        }
        self = key
    }
}

