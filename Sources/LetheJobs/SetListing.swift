/// One set as `lethe list sets` shows it.
public struct SetListing: Codable, Sendable, Equatable {
    public var set: String
    public var created: String
    public var `class`: String
    public var customers: Int
    public var failures: Int
    public var state: String
    public var policy: String
}
