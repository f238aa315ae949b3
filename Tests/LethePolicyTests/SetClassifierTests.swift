import Foundation
import LetheCore
import Testing
@testable import LethePolicy

/// The strict calendar: which set is yearly, monthly, weekly or daily.
struct SetClassifierTests {
    let at = Fixtures.at

    func classify(_ created: String, after previous: String?, _ policy: Policy) -> RetentionClass {
        SetClassifier.classify(created: at(created), latestEarlierSet: previous.map(at), policy: policy)
    }

    @Test func firstSetEverTakesTheLargestKeptClass() {
        #expect(classify("2026-11-29T02:10:00Z", after: nil, Fixtures.allClassesUTC) == .yearly)
        // default.yaml keeps no yearlies anywhere: falls through to monthly.
        #expect(classify("2026-11-29T02:10:00Z", after: nil, Fixtures.defaultPolicy) == .monthly)
        #expect(classify("2026-11-29T02:10:00Z", after: nil, Fixtures.weeklyOnlyUTC) == .weekly)
    }

    @Test func firstOfYearMonthWeekAndOtherDays() {
        let policy = Fixtures.allClassesUTC
        // 2026-11-28 is a Saturday, 11-29 a Sunday, 11-30 a Monday.
        #expect(classify("2026-11-29T02:10:00Z", after: "2026-11-28T02:10:00Z", policy) == .daily)
        #expect(classify("2026-11-30T02:10:00Z", after: "2026-11-29T02:10:00Z", policy) == .weekly)
        #expect(classify("2026-12-01T02:10:00Z", after: "2026-11-30T02:10:00Z", policy) == .monthly)
        #expect(classify("2027-01-01T02:10:00Z", after: "2026-12-31T02:10:00Z", policy) == .yearly)
        #expect(classify("2027-01-01T09:00:00Z", after: "2027-01-01T02:10:00Z", policy) == .daily)
    }

    @Test func missedNightsMoveNothingBack() {
        let policy = Fixtures.allClassesUTC
        // The night of 1 December is missed: the set of the 2nd is the month's first, so monthly.
        #expect(classify("2026-12-02T02:10:00Z", after: "2026-11-30T02:10:00Z", policy) == .monthly)
        // And the next one is an ordinary daily: nothing else moves.
        #expect(classify("2026-12-03T02:10:00Z", after: "2026-12-02T02:10:00Z", policy) == .daily)
        // Monday 7 December is missed: Tuesday's set is the week's first.
        #expect(classify("2026-12-08T02:10:00Z", after: "2026-12-06T02:10:00Z", policy) == .weekly)
        // A whole week missed, landing mid-week in the next one: still that week's first.
        #expect(classify("2026-12-17T02:10:00Z", after: "2026-12-08T02:10:00Z", policy) == .weekly)
    }

    @Test func isoWeekRunsAcrossTheYearBoundary() {
        // 2026-12-31 is a Thursday; 2027-01-01 (Friday) is in the same ISO week, 2026-W53.
        let policy = Fixtures.weeklyOnlyUTC
        #expect(classify("2026-12-28T02:10:00Z", after: "2026-12-27T02:10:00Z", policy) == .weekly)
        #expect(classify("2026-12-31T02:10:00Z", after: "2026-12-30T02:10:00Z", policy) == .daily)
        #expect(classify("2027-01-01T02:10:00Z", after: "2026-12-31T02:10:00Z", policy) == .daily)
        #expect(classify("2027-01-03T02:10:00Z", after: "2027-01-01T02:10:00Z", policy) == .daily)
        #expect(classify("2027-01-04T02:10:00Z", after: "2027-01-03T02:10:00Z", policy) == .weekly)
        // With yearlies kept, 1 January is the year's first all the same.
        #expect(classify("2027-01-01T02:10:00Z", after: "2026-12-31T02:10:00Z", Fixtures.allClassesUTC) == .yearly)
    }

    @Test func monthEndingOnASunday() {
        // 2026-05-31 is a Sunday; Monday 1 June is the month's first and also the week's first:
        // it is monthly, and that week gets no weekly (its first set is already taken).
        let policy = Fixtures.allClassesUTC
        #expect(classify("2026-05-31T02:10:00Z", after: "2026-05-30T02:10:00Z", policy) == .daily)
        #expect(classify("2026-06-01T02:10:00Z", after: "2026-05-31T02:10:00Z", policy) == .monthly)
        #expect(classify("2026-06-02T02:10:00Z", after: "2026-06-01T02:10:00Z", policy) == .daily)
        // Where monthlies are kept nowhere, that Monday is the weekly.
        #expect(classify("2026-06-01T02:10:00Z", after: "2026-05-31T02:10:00Z", Fixtures.weeklyOnlyUTC) == .weekly)
    }

    @Test func daylightSavingInAmsterdam() {
        // Clocks go forward on Sunday 2026-03-29. A set at 00:30 local on Monday 30 March is
        // 22:30 UTC on Sunday: in Amsterdam it is the week's first, in UTC it is not.
        let monday = "2026-03-30T00:30:00+02:00"
        let sunday = "2026-03-29T00:30:00+01:00"
        #expect(classify(monday, after: sunday, Fixtures.allClassesAmsterdam) == .weekly)
        #expect(classify(monday, after: sunday, Fixtures.allClassesUTC) == .daily)
        // Clocks go back on Sunday 2026-10-25; 00:30 on Monday 26 October is 23:30 UTC Sunday.
        #expect(classify("2026-10-26T00:30:00+01:00", after: "2026-10-25T00:30:00+02:00", Fixtures.allClassesAmsterdam) == .weekly)
        // 00:30 on 1 April (CEST) is still 31 March in UTC: monthly only in Amsterdam.
        #expect(classify("2026-04-01T00:30:00+02:00", after: "2026-03-31T00:30:00+02:00", Fixtures.allClassesAmsterdam) == .monthly)
        #expect(classify("2026-04-01T00:30:00+02:00", after: "2026-03-31T00:30:00+02:00", Fixtures.allClassesUTC) == .daily)
        // New year in Amsterdam comes an hour before it does in UTC.
        #expect(classify("2027-01-01T00:30:00+01:00", after: "2026-12-31T00:30:00+01:00", Fixtures.allClassesAmsterdam) == .yearly)
    }

    @Test func leapDay2028() {
        let policy = Fixtures.allClassesUTC
        // 2028-02-29 is a Tuesday.
        #expect(classify("2028-02-29T02:10:00Z", after: "2028-02-28T02:10:00Z", policy) == .daily)
        #expect(classify("2028-03-01T02:10:00Z", after: "2028-02-29T02:10:00Z", policy) == .monthly)
        // A lone set on the leap day after a quiet February start is still February's first.
        #expect(classify("2028-02-29T02:10:00Z", after: "2028-01-31T02:10:00Z", policy) == .monthly)
    }

    @Test func onlyEarlierSetsCount() {
        let policy = Fixtures.allClassesUTC
        let created = at("2026-12-15T02:10:00Z")
        // A set at the same instant or later is not an earlier set.
        #expect(SetClassifier.classify(created: created, latestEarlierSet: created, policy: policy) == .yearly)
        #expect(SetClassifier.classify(created: created, earlierSets: [at("2026-12-20T02:10:00Z"), created],
                                       policy: policy) == .yearly)
        // The list form uses the latest of the earlier ones.
        #expect(SetClassifier.classify(created: created,
                                       earlierSets: [at("2026-01-05T02:10:00Z"), at("2026-12-14T02:10:00Z"), at("2026-12-16T02:10:00Z")],
                                       policy: policy) == .daily)
        #expect(SetClassifier.classify(created: created,
                                       earlierSets: [at("2026-01-05T02:10:00Z"), at("2026-11-14T02:10:00Z")],
                                       policy: policy) == .monthly)
    }

    @Test func aYearOfNightliesGivesOneOfEachAsExpected() {
        // 2026 in UTC, one set a night at 02:10: 1 yearly, 11 monthlies, and a weekly for every
        // ISO week whose first set is neither of those.
        let policy = Fixtures.allClassesUTC
        var previous: Date?
        var counts: [RetentionClass: Int] = [:]
        var day = at("2026-01-01T02:10:00Z")
        while day < at("2027-01-01T00:00:00Z") {
            counts[SetClassifier.classify(created: day, latestEarlierSet: previous, policy: policy), default: 0] += 1
            previous = day
            day = day.addingTimeInterval(86_400)
        }
        #expect(counts[.yearly] == 1)
        #expect(counts[.monthly] == 11)
        // 2026 has 52 Mondays (5 January to 28 December); the first days of January belong to
        // the yearly's week, and Monday 1 June is a monthly (no other 1st is a Monday in 2026).
        #expect(counts[.weekly] == 51)
        #expect(counts[.daily] == 365 - 1 - 11 - 51)
    }
}
