import Foundation

/// A day on the proleptic Gregorian calendar, without a time zone: pure arithmetic, fast.
struct CivilDate: Hashable, Comparable, Sendable {
    /// Days since 1970-01-01.
    let dayNumber: Int

    init(dayNumber: Int) { self.dayNumber = dayNumber }

    /// The day with this year, month (1-12) and day of month (1-31, not checked against the month).
    init(year: Int, month: Int, day: Int) {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        dayNumber = era * 146_097 + doe - 719_468
    }

    /// Year, month (1-12) and day of month.
    var components: (year: Int, month: Int, day: Int) {
        // Howard Hinnant's civil_from_days.
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The Monday that starts this day's ISO week; two days share an ISO week exactly when
    /// they share this Monday (which is also how ISO weeks cross year boundaries).
    var isoWeekMonday: CivilDate {
        // 1970-01-01 was a Thursday: (n + 3) mod 7 counts days since Monday.
        let sinceMonday = ((dayNumber + 3) % 7 + 7) % 7
        return CivilDate(dayNumber: dayNumber - sinceMonday)
    }

    /// The calendar day of `instant` in `timeZone`.
    init(_ instant: Date, in timeZone: TimeZone) {
        let local = instant.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: instant))
        dayNumber = Int((local / 86_400).rounded(.down))
    }

    static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// This day plus `duration`; months and years that land on a missing day take the last
    /// day of the month (the earlier day, so a life is never extended).
    func adding(_ duration: CalendarDuration) -> CivilDate {
        switch duration.unit {
        case .day: return CivilDate(dayNumber: dayNumber + duration.value)
        case .week: return CivilDate(dayNumber: dayNumber + 7 * duration.value)
        case .month, .year:
            let months = duration.unit == .year ? 12 * duration.value : duration.value
            let (year, month, day) = components
            let index = year * 12 + (month - 1) + months
            let newYear = index / 12, newMonth = index % 12 + 1
            return CivilDate(year: newYear, month: newMonth,
                             day: min(day, CivilDate.daysIn(year: newYear, month: newMonth)))
        }
    }

    /// The first instant of this day in `timeZone` (local midnight, or the end of a
    /// daylight-saving gap where midnight does not exist).
    func start(in timeZone: TimeZone) -> Date {
        let localMidnight = Double(dayNumber) * 86_400
        var guess = localMidnight - Double(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: localMidnight)))
        for _ in 0..<2 {
            let offset = Double(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: guess)))
            if guess + offset == localMidnight { return Date(timeIntervalSince1970: guess) }
            guess = localMidnight - offset
        }
        // Midnight does not exist that day: let the calendar find the first instant.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let (year, month, day) = components
        let noon = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: 12))!
        return calendar.startOfDay(for: noon)
    }

    /// `2026-11-29`.
    var iso: String {
        let (year, month, day) = components
        func pad(_ n: Int, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    static func < (a: CivilDate, b: CivilDate) -> Bool { a.dayNumber < b.dayNumber }
}
