import Foundation
import LetheCore
import Testing
@testable import LethePolicy

/// Delete-by dates: local midnights, calendar arithmetic, capped by max_age.
struct DeleteByTests {
    let at = Fixtures.at

    @Test func eachClassInUTC() {
        let policy = Fixtures.defaultPolicy
        let created = at("2026-11-29T02:10:00Z")
        #expect(policy.deleteBy(created: created, class: .daily, location: .local) == at("2026-12-06T00:00:00Z"))
        #expect(policy.deleteBy(created: created, class: .weekly, location: .local) == at("2027-01-03T00:00:00Z"))
        #expect(policy.deleteBy(created: created, class: .monthly, location: .local) == at("2027-05-29T00:00:00Z"))
        #expect(policy.deleteBy(created: created, class: .monthly, location: .offsite) == at("2027-05-29T00:00:00Z"))
        let yearly = Fixtures.allClassesUTC
        #expect(yearly.deleteBy(created: created, class: .yearly, location: .local) == at("2027-11-29T00:00:00Z"))
    }

    @Test func locationThatDoesNotKeepAClassGetsNoDate() {
        let policy = Fixtures.defaultPolicy
        let created = at("2026-11-29T02:10:00Z")
        #expect(policy.deleteBy(created: created, class: .daily, location: .offsite) == nil)
        #expect(policy.deleteBy(created: created, class: .yearly, location: .local) == nil)
        #expect(Fixtures.weeklyOnlyUTC.deleteBy(created: created, class: .weekly, location: .offsite) == nil)
    }

    @Test func eachClassInAmsterdam() {
        let policy = Fixtures.examplePolicy // local 7d/4w/3m, offsite 5w/12m/1y
        // 29 November 2026 at 02:10 CET.
        let created = at("2026-11-29T02:10:00+01:00")
        #expect(policy.deleteBy(created: created, class: .daily, location: .local) == at("2026-12-06T00:00:00+01:00"))
        #expect(policy.deleteBy(created: created, class: .weekly, location: .local) == at("2026-12-27T00:00:00+01:00"))
        // Three months on is 29 February 2027, which does not exist: the earlier day, the 28th.
        #expect(policy.deleteBy(created: created, class: .monthly, location: .local) == at("2027-02-28T00:00:00+01:00"))
        #expect(policy.deleteBy(created: created, class: .weekly, location: .offsite) == at("2027-01-03T00:00:00+01:00"))
        #expect(policy.deleteBy(created: created, class: .monthly, location: .offsite) == at("2027-11-29T00:00:00+01:00"))
        #expect(policy.deleteBy(created: created, class: .yearly, location: .offsite) == at("2027-11-29T00:00:00+01:00"))
        // Across the spring change: 7 days after 28 March (CET) is 4 April at 00:00 CEST.
        let spring = at("2026-03-28T23:30:00+01:00")
        #expect(policy.deleteBy(created: spring, class: .daily, location: .local) == at("2026-04-04T00:00:00+02:00"))
        // The 00:30 set of Monday 30 March (22:30 UTC on Sunday) counts from Monday.
        let monday = at("2026-03-30T00:30:00+02:00")
        #expect(policy.deleteBy(created: monday, class: .daily, location: .local) == at("2026-04-06T00:00:00+02:00"))
        #expect(Fixtures.allClassesUTC.deleteBy(created: monday, class: .daily, location: .local) == at("2026-04-05T00:00:00Z"))
        // Across the autumn change.
        let autumn = at("2026-10-24T02:10:00+02:00")
        #expect(policy.deleteBy(created: autumn, class: .daily, location: .local) == at("2026-10-31T00:00:00+01:00"))
    }

    @Test func monthsAndYearsNeverExtend() {
        let policy = Fixtures.examplePolicy
        // 29 February 2028 + 1y is 28 February 2029, not 1 March.
        let leap = at("2028-02-29T02:10:00+01:00")
        #expect(policy.deleteBy(created: leap, class: .yearly, location: .offsite) == at("2029-02-28T00:00:00+01:00"))
        // 31 January + 1m is the last day of February (29th in 2028).
        let p1m = Fixtures.policy("name: m\ntimezone: UTC\nmax_age: 1m\nlocal: { monthly: 1m }\n")
        #expect(p1m.deleteBy(created: at("2028-01-31T02:10:00Z"), class: .monthly, location: .local) == at("2028-02-29T00:00:00Z"))
        #expect(p1m.deleteBy(created: at("2027-01-31T02:10:00Z"), class: .monthly, location: .local) == at("2027-02-28T00:00:00Z"))
        #expect(p1m.deleteBy(created: at("2026-08-31T02:10:00Z"), class: .monthly, location: .local) == at("2026-09-30T00:00:00Z"))
    }

    @Test func cappedByMaxAge() {
        // Built directly: the loader would refuse a class longer than max_age.
        let policy = Policy(name: "cap", timeZone: TimeZone(identifier: "Europe/Amsterdam")!, maxAge: .init(10, .day),
                            tiers: [.local: Tier(lifetimes: [.daily: .init(30, .day), .monthly: .init(1, .month)])],
                            sourceFile: "cap.yaml")
        let created = at("2026-11-29T02:10:00+01:00")
        #expect(policy.deleteBy(created: created, class: .daily, location: .local) == at("2026-12-09T00:00:00+01:00"))
        #expect(policy.deleteBy(created: created, class: .monthly, location: .local) == at("2026-12-09T00:00:00+01:00"))
        #expect(policy.latestDeleteBy(created: created) == at("2026-12-09T00:00:00+01:00"))
        // 6m vs 183d: from 31 March 6m is 30 September (183 days): the cap bites only when shorter.
        let months = Policy(name: "m", timeZone: TimeZone(identifier: "UTC")!, maxAge: .init(182, .day),
                            tiers: [.local: Tier(lifetimes: [.monthly: .init(6, .month)])], sourceFile: "m.yaml")
        #expect(months.deleteBy(created: at("2026-03-31T02:00:00Z"), class: .monthly, location: .local) == at("2026-09-29T00:00:00Z"))
        #expect(months.deleteBy(created: at("2026-08-31T02:00:00Z"), class: .monthly, location: .local) == at("2027-02-28T00:00:00Z"))
    }

    @Test func alwaysLocalMidnightNeverPastMaxAge() {
        // Every 7 hours over two years, in Amsterdam, for every class and location the example keeps.
        let policy = Fixtures.examplePolicy
        let zone = policy.timeZone
        var created = at("2026-01-01T00:00:00Z")
        var checked = 0
        while created < at("2028-01-01T00:00:00Z") {
            for location in Location.allCases {
                for retentionClass in RetentionClass.allCases {
                    guard let deleteBy = policy.deleteBy(created: created, class: retentionClass, location: location) else {
                        #expect(policy.lifetime(of: retentionClass, at: location) == nil)
                        continue
                    }
                    let parts = Fixtures.local(deleteBy, zone)
                    #expect(parts.hour == 0 && parts.minute == 0 && parts.second == 0)
                    #expect(deleteBy <= policy.maxAge.added(to: created, in: policy.calendar))
                    #expect(deleteBy > created)
                    checked += 1
                }
            }
            created = created.addingTimeInterval(7 * 3600)
        }
        #expect(checked > 10_000)
    }

    @Test func dayWithoutAMidnightStartsWhenTheClocksResume() {
        // Chile moves its clocks from 00:00 to 01:00 on Sunday 6 September 2026: that day
        // begins at 01:00 local (-03:00), which is 04:00 UTC.
        let policy = Fixtures.policy("name: cl\ntimezone: America/Santiago\nmax_age: 30d\nlocal: { daily: 7d }\n")
        let deleteBy = policy.deleteBy(created: at("2026-08-30T12:00:00-04:00"), class: .daily, location: .local)
        #expect(deleteBy == at("2026-09-06T04:00:00Z"))
        #expect(policy.dayString(deleteBy!) == "2026-09-06")
    }

    @Test func civilDateArithmetic() {
        #expect(CivilDate(year: 1970, month: 1, day: 1).dayNumber == 0)
        #expect(CivilDate(year: 2028, month: 2, day: 29).components == (2028, 2, 29))
        #expect(CivilDate(year: 2026, month: 12, day: 31).isoWeekMonday == CivilDate(year: 2026, month: 12, day: 28))
        #expect(CivilDate(year: 2027, month: 1, day: 3).isoWeekMonday == CivilDate(year: 2026, month: 12, day: 28))
        #expect(CivilDate(year: 1969, month: 12, day: 31).isoWeekMonday == CivilDate(year: 1969, month: 12, day: 29))
        #expect(CivilDate(year: 2028, month: 2, day: 29).adding(.init(1, .year)).iso == "2029-02-28")
        #expect(CivilDate(year: 2028, month: 2, day: 29).adding(.init(4, .year)).iso == "2032-02-29")
        #expect(CivilDate(year: 2026, month: 11, day: 30).adding(.init(3, .month)).iso == "2027-02-28")
        #expect(CivilDate(year: 2026, month: 12, day: 28).adding(.init(1, .week)).iso == "2027-01-04")
    }

    @Test func addedKeepsWallClockAndClampsMonths() {
        let policy = Fixtures.examplePolicy
        let created = at("2026-03-28T02:10:00+01:00")
        #expect(CalendarDuration(1, .week).added(to: created, in: policy.calendar) == at("2026-04-04T02:10:00+02:00"))
        #expect(CalendarDuration(1, .month).added(to: at("2027-01-31T12:00:00Z"), in: Fixtures.allClassesUTC.calendar)
                == at("2027-02-28T12:00:00Z"))
        #expect(CalendarDuration(1, .year).added(to: at("2028-02-29T12:00:00Z"), in: Fixtures.allClassesUTC.calendar)
                == at("2029-02-28T12:00:00Z"))
    }
}
