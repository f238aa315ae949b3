import Foundation

/// The only way Lethe reads the time. Planners take `now` as a parameter; jobs ask a clock.
public protocol Clock: Sendable {
    /// The current instant.
    func now() -> Date
}

/// The wall clock, or the instant named by `LETHE_NOW` (ISO 8601) for simulations and tests.
public struct SystemClock: Clock {
    private let fixed: Date?

    /// Reads `LETHE_NOW` from `environment`; throws if it is set but not ISO 8601.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        if let text = environment["LETHE_NOW"], !text.isEmpty {
            guard let date = Timestamp.parse(text) else { throw ClockError.invalidOverride(text) }
            fixed = date
        } else {
            fixed = nil
        }
    }

    public func now() -> Date { fixed ?? Date() }
}

/// Why a clock could not be made.
public enum ClockError: Error, CustomStringConvertible {
    case invalidOverride(String)

    public var description: String {
        switch self {
        case .invalidOverride(let text):
            return "LETHE_NOW is '\(text)', which is not an ISO 8601 time: use e.g. 2026-11-29T02:00:00Z"
        }
    }
}

/// ISO 8601 formatting and parsing, always UTC on output.
public enum Timestamp {
    /// "2026-11-29T02:10:00Z"
    public static func iso(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: false)
            .timeZone(separator: .omitted).dateSeparator(.dash).timeSeparator(.colon))
    }

    /// "20261129T021000Z", for ids and file names.
    public static func compact(_ date: Date) -> String {
        iso(date).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
    }

    /// Parses ISO 8601 with or without fractional seconds, with Z or an offset; a bare date is midnight UTC.
    public static func parse(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle().year().month().day()) { return date }
        return nil
    }
}

extension ClockError: ClassifiedError {
    /// A `LETHE_NOW` that is not a time is a usage error.
    public var failureClass: FailureClass {
        switch self {
        case .invalidOverride: return .usage
        }
    }
}
