import Foundation
import LetheCore

/// Decides the retention class of a set when it is written, on the policy's strict calendar.
///
/// In the policy's time zone, a set is:
/// - `yearly` if it is the first set of its calendar year and some location keeps yearlies;
/// - else `monthly` if it is the first of its calendar month and some location keeps monthlies;
/// - else `weekly` if it is the first of its ISO week (Monday to Sunday; the week of
///   31 December may run into January) and some location keeps weeklies;
/// - else `daily`.
///
/// A class kept nowhere falls through to the next smaller one. Only sets created earlier
/// count, and a class is never moved afterwards: if the night of the 1st is missed, the set of
/// the 2nd is the month's first and so its monthly; a set that was already written keeps its
/// class.
public enum SetClassifier {
    /// The class of a set created at `created`, given the latest set created before it.
    ///
    /// Sets are written in time order, so the latest earlier set alone tells whether an earlier
    /// set exists in the same year, month or ISO week (those are intervals of time).
    ///
    /// - Parameters:
    ///   - created: the new set's creation time.
    ///   - latestEarlierSet: the creation time of the most recent set before it (any state that
    ///     counts as a set for the caller), or nil if there is none. A date not before `created`
    ///     is not an earlier set and is ignored.
    ///   - policy: the policy (its time zone and which classes it keeps).
    public static func classify(created: Date, latestEarlierSet: Date?, policy: Policy) -> RetentionClass {
        let day = CivilDate(created, in: policy.timeZone)
        let previous = latestEarlierSet.flatMap { $0 < created ? CivilDate($0, in: policy.timeZone) : nil }
        let (year, month, _) = day.components
        let previousParts = previous?.components

        let firstOfYear = previousParts.map { $0.year != year } ?? true
        let firstOfMonth = previousParts.map { $0.year != year || $0.month != month } ?? true
        let firstOfWeek = previous.map { $0.isoWeekMonday != day.isoWeekMonday } ?? true

        if firstOfYear && policy.keepsAnywhere(.yearly) { return .yearly }
        if firstOfMonth && policy.keepsAnywhere(.monthly) { return .monthly }
        if firstOfWeek && policy.keepsAnywhere(.weekly) { return .weekly }
        return .daily
    }

    /// The class of a set created at `created`, given the creation times of other sets; only
    /// those strictly before `created` count.
    public static func classify(created: Date, earlierSets: [Date], policy: Policy) -> RetentionClass {
        let latest = earlierSets.lazy.filter { $0 < created }.max()
        return classify(created: created, latestEarlierSet: latest, policy: policy)
    }
}
