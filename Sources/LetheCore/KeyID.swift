/// A non-secret name for a key (a fingerprint), safe to print, store and put in headers.
public struct KeyID: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Lowercase hex, 32 characters.
    public let rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }
}

extension KeyID: StringIdentifier {
    public init(identifier: String) { self.init(identifier) }
}
