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
            return "LETHE_NOW is '\(text)', which is not an ISO 8601 time that exists: use e.g. 2026-11-29T02:00:00Z"
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
    ///
    /// Strict: a day or time that does not exist (30 February, hour 24, minute 60) is nil, not
    /// rolled over into the next month or day as Foundation's parser would.
    public static func parse(_ text: String) -> Date? {
        guard fieldsExist(text) else { return nil }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle().year().month().day()) { return date }
        return nil
    }

    /// Whether the fields written in `text` (year, month, day, then hour, minute and second
    /// after a `T`) name a calendar day and a time of day that exist.
    static func fieldsExist(_ text: String) -> Bool {
        let parts = text.split(separator: "T", maxSplits: 1, omittingEmptySubsequences: false)
        let date = parts[0].filter { $0 != "-" }
        guard date.count == 8, date.allSatisfy(\.isASCII), let year = Int(date.prefix(4)),
              let month = Int(date.dropFirst(4).prefix(2)), let day = Int(date.suffix(2)),
              (1...12).contains(month) else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard (1...days).contains(day) else { return false }
        guard parts.count == 2 else { return true }
        let time = parts[1].prefix { $0.isASCII && ($0.isNumber || $0 == ":") }.filter { $0 != ":" }
        let fields = stride(from: 0, to: time.count, by: 2).map { Int(time.dropFirst($0).prefix(2)) }
        guard time.count % 2 == 0, (2...3).contains(fields.count), fields.allSatisfy({ $0 != nil }) else { return false }
        return zip(fields.map { $0! }, [23, 59, 59]).allSatisfy { $0 <= $1 }
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
