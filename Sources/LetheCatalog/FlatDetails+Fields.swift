import Foundation
import LetheCore

/// An id or key the flat map stores as its raw text (their `Codable` elsewhere is an object).
public protocol FlatIdentifier {
    /// The stored text.
    var rawValue: String { get }
    /// The value of a stored text, nil for one that is not valid.
    init?(_ rawValue: String)
}

extension Pseudonym: FlatIdentifier {}
extension SetID: FlatIdentifier {}
extension ArchiveID: FlatIdentifier {}
extension ObjectKey: FlatIdentifier {}

/// A flag stored as `yes` or `no` (a plain `Bool` is stored `true`/`false`).
@propertyWrapper
public struct YesNo: Codable, Sendable, Equatable {
    /// The value the field holds.
    public var wrappedValue: Bool

    /// Wraps `wrappedValue`.
    public init(wrappedValue: Bool) { self.wrappedValue = wrappedValue }

    /// Reads `yes` or `no`; any other text is a `DecodingError`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        switch try container.decode(String.self) {
        case "yes": wrappedValue = true
        case "no": wrappedValue = false
        default: throw DecodingError.dataCorruptedError(in: container, debugDescription: "neither yes nor no")
        }
    }

    /// Writes `yes` or `no`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue ? "yes" : "no")
    }
}

/// A list stored as its items' texts joined by a space (a plain list is joined by `,`).
@propertyWrapper
public struct SpaceSeparated<Item: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    /// The value the field holds.
    public var wrappedValue: [Item]

    /// Wraps `wrappedValue`.
    public init(wrappedValue: [Item]) { self.wrappedValue = wrappedValue }

    /// Reads the items of one text (an empty text is an empty list).
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        wrappedValue = text.isEmpty ? [] : try text.split(separator: " ", omittingEmptySubsequences: false)
            .map { try FlatDetailsDecoder.value(Item.self, from: String($0)) }
    }

    /// Writes the items as one text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(try wrappedValue.map(FlatDetailsEncoder.text).joined(separator: " "))
    }
}

/// A location stored as its name, or `all` for nil (every location).
@propertyWrapper
public struct LocationOrAll: Codable, Sendable, Equatable {
    /// The value the field holds.
    public var wrappedValue: Location?

    /// Wraps `wrappedValue`.
    public init(wrappedValue: Location?) { self.wrappedValue = wrappedValue }

    /// Reads `all` or a location's name; any other text is a `DecodingError`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard text == "all" || Location(rawValue: text) != nil else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a location")
        }
        wrappedValue = Location(rawValue: text)
    }

    /// Writes `all` or the location's name.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue?.rawValue ?? "all")
    }
}

/// A stored key made at run time (`copies.local`).
struct FlatKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ stringValue: String) { self.stringValue = stringValue }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
