import Foundation
import LetheCore

/// Reads a ledger payload from its flat map, as ``FlatDetailsEncoder`` writes it (the same
/// keys and texts). An optional field whose key is missing is nil (a key a later version
/// added); a required one missing, or a text that is not what Lethe writes there, is damage or
/// tampering: `CatalogError.invalidEvent` naming the key.
public struct FlatDetailsDecoder {
    /// A decoder (it has no options: the map has one spelling).
    public init() {}

    /// The payload (or group of fields) `type` stored as `map` in an event of `kind`.
    ///
    /// - Throws: `CatalogError.invalidEvent` naming the key that is missing or not what Lethe writes.
    public func decode<T: Decodable>(_ type: T.Type, from map: [String: String], kind: LedgerEvent.Kind) throws -> T {
        let decoding = FlatDecoding(map: map, kind: kind, key: nil, text: nil)
        do {
            return try T(from: decoding)
        } catch is DecodingError {
            // Fields name their key (`Fields.decode`); this is a payload type that reads no fields.
            throw decoding.problem("its details are not a \(T.self)")
        }
    }

    /// The value stored as `text` (a field's, or a list item's).
    ///
    /// - Throws: `DecodingError` when the text is not one of `type`.
    public static func value<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try FlatDecoding(map: [:], kind: "", key: "", text: text).value(T.self)
    }
}

/// The decoder at one place of the map: a payload or group (`key` nil), or one field (`key`,
/// its `text` if the map has one).
struct FlatDecoding: Decoder {
    let map: [String: String]
    let kind: LedgerEvent.Kind
    let key: String?
    let text: String?
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// The value here: parsed from its text when it is one, else read by its own `init(from:)`.
    func value<T: Decodable>(_ type: T.Type) throws -> T {
        let parsed: Any?
        switch T.self {
        case is Date.Type: parsed = Timestamp.parse(try storedText())
        case let id as any FlatIdentifier.Type: parsed = id.init(try storedText())
        case let text as any LosslessStringConvertible.Type: parsed = text.init(try storedText())
        default: return try T(from: self)
        }
        guard let value = parsed as? T else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "not a \(T.self)"))
        }
        return value
    }

    func storedText() throws -> String {
        guard let text else {
            throw DecodingError.valueNotFound(String.self, .init(codingPath: codingPath, debugDescription: "no text"))
        }
        return text
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(Fields(decoding: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let text = try storedText()
        return List(decoding: self, items: text.isEmpty ? [] : text.split(separator: ",", omittingEmptySubsequences: false).map(String.init))
    }

    func singleValueContainer() -> any SingleValueDecodingContainer { Single(decoding: self) }

    /// The error for a map this kind's writers never wrote.
    func problem(_ what: String) -> CatalogError {
        CatalogError.invalidEvent(sequence: nil, kind: kind.rawValue, problem: what)
    }

    /// A payload's or group's fields, each at its key in the one map.
    struct Fields<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let decoding: FlatDecoding
        var codingPath: [any CodingKey] { decoding.codingPath }
        var allKeys: [Key] { decoding.map.keys.compactMap { Key(stringValue: $0) } }

        func field(_ key: Key) -> FlatDecoding {
            let name = LetheJSON.snakeCase(key.stringValue)
            return FlatDecoding(map: decoding.map, kind: decoding.kind, key: name, text: decoding.map[name], codingPath: codingPath + [key])
        }

        func contains(_ key: Key) -> Bool { field(key).text != nil }

        func decodeNil(forKey key: Key) -> Bool { false }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            let field = field(key)
            do {
                return try field.value(T.self)
            } catch DecodingError.valueNotFound {
                throw decoding.problem("it has no '\(field.key!)'")
            } catch is DecodingError {
                throw decoding.problem("its '\(field.key!)' is not one Lethe writes")
            }
        }

        func nestedContainer<Nested: CodingKey>(keyedBy type: Nested.Type, forKey key: Key) -> KeyedDecodingContainer<Nested> {
            field(key).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try field(key).unkeyedContainer() }

        func superDecoder() -> any Decoder { FlatDecoding(map: decoding.map, kind: decoding.kind, key: nil, text: nil, codingPath: codingPath) }

        func superDecoder(forKey key: Key) -> any Decoder { field(key) }
    }

    /// A list's items, split at `,`.
    struct List: UnkeyedDecodingContainer {
        let decoding: FlatDecoding
        let items: [String]
        var currentIndex = 0
        var codingPath: [any CodingKey] { decoding.codingPath }
        var count: Int? { items.count }
        var isAtEnd: Bool { currentIndex == items.count }

        init(decoding: FlatDecoding, items: [String]) { (self.decoding, self.items) = (decoding, items) }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            guard !isAtEnd else { throw DecodingError.valueNotFound(T.self, .init(codingPath: codingPath, debugDescription: "no more items")) }
            defer { currentIndex += 1 }
            return try FlatDetailsDecoder.value(T.self, from: items[currentIndex])
        }

        mutating func decodeNil() -> Bool { false }

        mutating func nestedContainer<Nested: CodingKey>(keyedBy type: Nested.Type) throws -> KeyedDecodingContainer<Nested> {
            throw DecodingError.typeMismatch(type, .init(codingPath: codingPath, debugDescription: "a list item is one text"))
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            throw DecodingError.typeMismatch([String].self, .init(codingPath: codingPath, debugDescription: "a list item is one text"))
        }

        mutating func superDecoder() throws -> any Decoder {
            throw DecodingError.typeMismatch(String.self, .init(codingPath: codingPath, debugDescription: "a list item is one text"))
        }
    }

    /// One field's text.
    struct Single: SingleValueDecodingContainer {
        let decoding: FlatDecoding
        var codingPath: [any CodingKey] { decoding.codingPath }

        func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoding.value(T.self) }

        func decodeNil() -> Bool { decoding.text == nil }
    }
}
