import Foundation
import LetheCore

extension Policy {
    /// The delete-by date of a copy of a set created at `created`, of class `retentionClass`,
    /// stored at `location`; nil when that location keeps no copy of that class.
    ///
    /// The calendar day of `created` in the policy's time zone, plus the class's lifetime at
    /// that location (calendar arithmetic: a month or year landing on a missing day takes the
    /// earlier day, so 29 February + 1y is 28 February), taken as the start of that day in the
    /// zone. It is capped at the start of (creation day + `max_age`). So a delete-by is always
    /// a local midnight (or the first instant of the day where midnight is skipped) and never
    /// later than `created + max_age`.
    ///
    /// Call this once, when the copy is written, and store the result: delete-by never moves.
    public func deleteBy(created: Date, class retentionClass: RetentionClass, location: Location) -> Date? {
        guard let lifetime = lifetime(of: retentionClass, at: location) else { return nil }
        let day = CivilDate(created, in: timeZone)
        let due = min(day.adding(lifetime), day.adding(maxAge))
        return due.start(in: timeZone)
    }

    /// The latest delete-by this policy allows for a copy created at `created`: the start of
    /// (its creation day + `max_age`) in the policy's time zone.
    public func latestDeleteBy(created: Date) -> Date {
        CivilDate(created, in: timeZone).adding(maxAge).start(in: timeZone)
    }

    /// `2027-01-04`: the calendar day of `date` in the policy's time zone.
    public func dayString(_ date: Date) -> String {
        CivilDate(date, in: timeZone).iso
    }
}
