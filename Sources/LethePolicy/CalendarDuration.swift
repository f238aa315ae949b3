import Foundation

/// A length of time on the calendar: a number of days, weeks, calendar months or calendar years.
///
/// Written in policy files as `Nd`, `Nw`, `Nm` or `Ny` with `N` a positive integer
/// (`7d`, `5w`, `6m`, `1y`). Months and years are calendar units: one month after 31 January
/// is the last day of February, one year after 29 February is 28 February. Whenever a month or
/// year lands on a day that does not exist, the earlier day is taken, so a duration never
/// extends a life.
public struct CalendarDuration: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The unit of a calendar duration.
    public enum Unit: String, Sendable, Hashable, Codable, CaseIterable {
        case day = "d", week = "w", month = "m", year = "y"

        /// The largest count accepted for this unit (about a century), so arithmetic cannot overflow.
        var maximumValue: Int {
            switch self {
            case .day: return 36_600
            case .week: return 5_220
            case .month: return 1_200
            case .year: return 100
            }
        }
    }

    /// How many units; always positive.
    public let value: Int
    /// The unit.
    public let unit: Unit

    /// Creates a duration of `value` units.
    ///
    /// - Precondition: `value` is positive.
    public init(_ value: Int, _ unit: Unit) {
        precondition(value > 0, "a calendar duration is positive")
        self.value = value
        self.unit = unit
    }

    /// Parses `7d`, `5w`, `6m`, `1y`; nil for anything else (no spaces, no sign, no zero).
    public init?(parsing text: String) {
        guard let last = text.last, let unit = Unit(rawValue: String(last)) else { return nil }
        let digits = text.dropLast()
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let value = Int(digits), value > 0, value <= unit.maximumValue else { return nil }
        self.init(value, unit)
    }

    /// `7d`, `5w`, `6m`, `1y`: the form a policy file uses.
    public var description: String { "\(value)\(unit.rawValue)" }

    /// The instant `self` after `date`, by calendar arithmetic in `calendar` (and its time zone).
    ///
    /// Wall-clock time is kept across daylight-saving changes; a month or year that lands on a
    /// missing day (31 April, 29 February) gives the last day of that month, never a later one.
    public func added(to date: Date, in calendar: Calendar) -> Date {
        let result: Date?
        switch unit {
        case .day: result = calendar.date(byAdding: .day, value: value, to: date)
        case .week: result = calendar.date(byAdding: .day, value: 7 * value, to: date)
        case .month: result = calendar.date(byAdding: .month, value: value, to: date)
        case .year: result = calendar.date(byAdding: .month, value: 12 * value, to: date)
        }
        // Gregorian arithmetic within a century of any real date cannot fail.
        return result!
    }

    /// The most days this duration can span (months as 31 days, years as 366 days).
    public var maximumDays: Int { days(month: 31, year: 366) }

    /// The fewest days this duration can span (months as 28 days, years as 365 days).
    public var minimumDays: Int { days(month: 28, year: 365) }

    /// The days this duration spans when a month has `month` days and a year `year`.
    private func days(month: Int, year: Int) -> Int {
        switch unit {
        case .day: return value
        case .week: return 7 * value
        case .month: return month * value
        case .year: return year * value
        }
    }

    /// Whether `self` may last longer than `other`, compared conservatively.
    ///
    /// Days and weeks compare exactly with each other, and so do months and years (a year is
    /// twelve months). Across the two families, `self` counts at its longest (months as 31 days,
    /// years as 366) and `other` at its shortest (months as 28 days, years as 365).
    public func mayOutlast(_ other: CalendarDuration) -> Bool {
        switch (unit.isCalendarMonthBased, other.unit.isCalendarMonthBased) {
        case (false, false): return maximumDays > other.maximumDays
        case (true, true): return monthCount > other.monthCount
        default: return maximumDays > other.minimumDays
        }
    }

    private var monthCount: Int { unit == .year ? 12 * value : value }
}

extension CalendarDuration.Unit {
    /// Months and years vary in length; days and weeks do not.
    var isCalendarMonthBased: Bool { self == .month || self == .year }
}
