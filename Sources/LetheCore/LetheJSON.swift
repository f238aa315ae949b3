import Foundation

/// Lethe's one JSON convention, for every `--json` output, the report, retention plans and
/// `lethe.json`: snake_case keys, dates as ISO 8601 UTC (`2026-11-29T02:10:00Z`), keys sorted,
/// slashes unescaped. Encode and decode through these, never a bare `JSONEncoder()`.
///
/// Keys: a type's coding keys are written in snake_case whatever their Swift spelling
/// (`objectKey` → `object_key`, `kekID` → `kek_id`); a key the design fixes as one word
/// (`set`, `class`, `id`) or already in snake_case (`delete_by`) is written as it is.
/// The ledger's hashed `details` and the archive manifest are formats of their own, not this.
public enum LetheJSON {
    /// The encoder: pretty-printed (two-space indent, `"key" : value`) or, with `pretty: false`,
    /// one line; keys in snake_case and sorted; dates as ``Timestamp/iso(_:)``; `/` unescaped.
    public static func encoder(pretty: Bool = true) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .custom { path in SnakeKey(snakeCase(path.last!.stringValue)) }
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.iso(date))
        }
        return encoder
    }

    /// The pretty-printed encoder (``encoder(pretty:)``).
    public static var encoder: JSONEncoder { encoder() }

    /// The decoder for JSON Lethe reads back (`lethe.json`, plans): every key is read in its
    /// snake_case spelling, so a file written with camelCase keys (`lethe.json` of version 1:
    /// `keyDirectories`) reads the same as one in snake_case (`key_directories`); the type's
    /// coding keys must therefore spell snake_case. Dates are ISO 8601 (``Timestamp/parse(_:)``).
    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .custom { path in SnakeKey(snakeCase(path.last!.stringValue)) }
        decoder.dateDecodingStrategy = dateDecodingStrategy
        return decoder
    }

    /// Dates as the encoder writes them (ISO 8601, ``Timestamp/parse(_:)``); anything else is a
    /// `DecodingError`. For a decoder of types keyed by their Swift names (the report's).
    public static var dateDecodingStrategy: JSONDecoder.DateDecodingStrategy {
        .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not an ISO 8601 date")
            }
            return date
        }
    }

    /// `value` as the encoder writes it (pretty unless `pretty` is false), as text.
    ///
    /// - Throws: `EncodingError` if a value refuses to encode (a non-finite number).
    public static func text<T: Encodable>(_ value: T, pretty: Bool = true) throws -> String {
        String(decoding: try encoder(pretty: pretty).encode(value), as: UTF8.self)
    }

    /// A Swift name in snake_case, as `JSONEncoder.KeyEncodingStrategy.convertToSnakeCase` spells
    /// a property name: a word starts at each capital after a lower-case letter or digit, and at
    /// the last capital of a run followed by a lower-case letter (`allowInsecureHTTP` →
    /// `allow_insecure_http`, `httpURLValue` → `http_url_value`); leading and trailing
    /// underscores are kept; a name in snake_case stays as it is. (A name starting with a
    /// capital run keeps it as one word, `URLValue` → `url_value`, where Foundation splits it.)
    public static func snakeCase(_ name: String) -> String {
        asciiSnakeCase(name) ?? generalSnakeCase(name)
    }

    /// `snakeCase` of any name, on its characters.
    static func generalSnakeCase(_ name: String) -> String {
        let characters = Array(name)
        guard let first = characters.firstIndex(where: { $0 != "_" }) else { return name }
        let last = characters.lastIndex(where: { $0 != "_" })!
        var words = ""
        for index in first...last {
            let character = characters[index]
            if character.isUppercase && index > first {
                let previous = characters[index - 1]
                let nextIsLower = index < last && characters[index + 1].isLowercase
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && nextIsLower) { words.append("_") }
            }
            words.append(contentsOf: character.lowercased())
        }
        return String(characters[..<first]) + words + String(characters[(last + 1)...])
    }

    /// `snakeCase` of an ASCII name, on its bytes (the ledger spells every event's keys through
    /// it, so it runs for every field of every event); nil for any other name. For ASCII,
    /// `Character`'s upper case, lower case and number are exactly `A`-`Z`, `a`-`z` and `0`-`9`.
    static func asciiSnakeCase(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
        func isUpper(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") }
        func isLower(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        guard bytes.contains(where: isUpper) else { return name }
        guard let first = bytes.firstIndex(where: { $0 != UInt8(ascii: "_") }) else { return name }
        let last = bytes.lastIndex(where: { $0 != UInt8(ascii: "_") })!
        var words = Array(bytes[..<first])
        words.reserveCapacity(bytes.count + 4)
        for index in first...last {
            let byte = bytes[index]
            if isUpper(byte) && index > first {
                let previous = bytes[index - 1]
                let nextIsLower = index < last && isLower(bytes[index + 1])
                if isLower(previous) || isDigit(previous) || (isUpper(previous) && nextIsLower) { words.append(UInt8(ascii: "_")) }
            }
            words.append(isUpper(byte) ? byte + 32 : byte)
        }
        words += bytes[(last + 1)...]
        return String(decoding: words, as: UTF8.self)
    }
}

/// A coding key given by its text (what the key strategies return).
private struct SnakeKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ stringValue: String) { self.stringValue = stringValue }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
