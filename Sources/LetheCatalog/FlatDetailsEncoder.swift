import Foundation
import LetheCore

/// Encodes a ledger payload as the flat map its kind is stored as (``LedgerPayload``): one text
/// per key, whatever the payload's Swift types.
///
/// - A key is the coding key in snake_case, as ``LetheJSON`` spells keys (`keysDestroyed` →
///   `keys_destroyed`, `kekID` → `kek_id`); a payload whose stored key is another word
///   (`retentionClass` stored as `class`) says so in its `CodingKeys`.
/// - Numbers are decimal, `Bool` is `true`/`false` (``YesNo`` for `yes`/`no`), dates are ISO
///   8601 UTC (`Timestamp.iso`), ids and keys (``FlatIdentifier``) and `String` enums are their
///   raw value, and nil is no key at all.
/// - A list is its items' texts joined by `,` (``SpaceSeparated``: by a space; empty: `""`).
/// - A group of fields (a nested `Codable` struct, like the ``LedgerEvent/CopyFacts`` every
///   `copy.*` event carries) stands beside the payload's own fields, under its own keys.
///
/// ``FlatDetailsDecoder`` reads the same map back.
public struct FlatDetailsEncoder {
    /// An encoder (it has no options: the map has one spelling).
    public init() {}

    /// The flat map of `value`, a payload or a group of fields.
    ///
    /// - Throws: `EncodingError` for a value the map cannot hold (a nil list item, a single
    ///   value where a map of fields is needed): a payload type declared wrongly.
    public func encode<T: Encodable>(_ value: T) throws -> [String: String] {
        let fields = FlatFields()
        try FlatEncoding(fields: fields, key: nil).encode(value)
        return fields.map
    }

    /// The text one value is stored as: a field's, or a list item's.
    ///
    /// - Throws: `EncodingError` when the value is not one text (a group of fields).
    public static func text<T: Encodable>(_ value: T) throws -> String {
        let fields = FlatFields()
        try FlatEncoding(fields: fields, key: "").encode(value)
        guard let text = fields.map[""] else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "\(T.self) is not stored as one text"))
        }
        return text
    }
}

/// The map being written.
final class FlatFields {
    var map: [String: String] = [:]
}

/// The encoder at one place of the map: a payload or group (`key` nil: its fields go into the
/// map), or one field (`key`: its text goes there).
struct FlatEncoding: Encoder {
    let fields: FlatFields
    let key: String?
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// Stores `value` here: as its text when it has one, else as what its own `encode(to:)` writes.
    func encode<T: Encodable>(_ value: T) throws {
        if let date = value as? Date {
            try store(Timestamp.iso(date))
        } else if let id = value as? any FlatIdentifier {
            try store(id.rawValue)
        } else if let text = value as? any LosslessStringConvertible {
            try store(text.description)
        } else {
            try value.encode(to: self)
        }
    }

    func store(_ text: String) throws {
        guard let key else {
            throw EncodingError.invalidValue(text, .init(codingPath: codingPath, debugDescription: "a payload is a map of fields, not one text"))
        }
        fields.map[key] = text
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(Fields(fields: fields, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        List(encoding: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { Single(encoding: self) }

    /// A payload's or group's fields, each at its key in the one map.
    struct Fields<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let fields: FlatFields
        var codingPath: [any CodingKey]

        func encoding(_ key: Key) -> FlatEncoding {
            FlatEncoding(fields: fields, key: LetheJSON.snakeCase(key.stringValue), codingPath: codingPath + [key])
        }

        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try encoding(key).encode(value) }

        mutating func encodeNil(forKey key: Key) throws {}

        mutating func nestedContainer<Nested: CodingKey>(keyedBy type: Nested.Type, forKey key: Key) -> KeyedEncodingContainer<Nested> {
            encoding(key).container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { encoding(key).unkeyedContainer() }

        mutating func superEncoder() -> any Encoder { FlatEncoding(fields: fields, key: nil, codingPath: codingPath) }

        mutating func superEncoder(forKey key: Key) -> any Encoder { encoding(key) }
    }

    /// A list: its items' texts joined by `,` at the field's key.
    struct List: UnkeyedEncodingContainer {
        let encoding: FlatEncoding
        var texts: [String] = []
        var codingPath: [any CodingKey] { encoding.codingPath }
        var count: Int { texts.count }

        init(encoding: FlatEncoding) {
            self.encoding = encoding
            try? encoding.store("")
        }

        mutating func encode<T: Encodable>(_ value: T) throws {
            texts.append(try FlatDetailsEncoder.text(value))
            try encoding.store(texts.joined(separator: ","))
        }

        mutating func encodeNil() throws {
            throw EncodingError.invalidValue(Int?.none as Any, .init(codingPath: codingPath, debugDescription: "a list item cannot be nil"))
        }

        mutating func nestedContainer<Nested: CodingKey>(keyedBy type: Nested.Type) -> KeyedEncodingContainer<Nested> {
            preconditionFailure("a list item is one text, not a group of fields")
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { preconditionFailure("a list item is one text, not a list") }

        mutating func superEncoder() -> any Encoder { preconditionFailure("a list item is one text") }
    }

    /// One field's text.
    struct Single: SingleValueEncodingContainer {
        let encoding: FlatEncoding
        var codingPath: [any CodingKey] { encoding.codingPath }

        mutating func encode<T: Encodable>(_ value: T) throws { try encoding.encode(value) }

        mutating func encodeNil() throws {}
    }
}
