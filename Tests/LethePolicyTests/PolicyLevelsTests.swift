import Foundation
import LetheCore
import LetheTestSupport
import Testing
@testable import LethePolicy

/// `lethe policy check`'s account of levels: which classes backups write as differentials and
/// against what, per location, from the policy alone.
@Suite struct PolicyLevelsTests {
    func levels(_ policy: Policy) -> [RetentionClass: ClassLevels] {
        Dictionary(uniqueKeysWithValues: policy.levels.map { ($0.retentionClass, $0) })
    }

    @Test func theDefaultWritesWeekliesAndDailiesAsDifferentials() throws {
        let levels = levels(Fixtures.defaultPolicy)
        #expect(Set(levels.keys) == [.daily, .weekly, .monthly], "no yearlies: the default keeps none")
        #expect(levels[.monthly]?.summary == "monthly archives are written in full")
        let weekly = try #require(levels[.weekly])
        #expect(weekly.summary == "weekly archives are written as differentials against the newest monthly archive")
        #expect(weekly.locations.map(\.location) == [.local, .offsite])
        #expect(weekly.lines.last == "  offsite keeps weekly copies 5w: monthly copies (6m) outlive them")
        let daily = try #require(levels[.daily])
        #expect(daily.summary == "daily archives are written as differentials against the newest weekly or monthly archive")
        #expect(daily.lines == [daily.summary, "  local keeps daily copies 7d: weekly copies (5w) and monthly copies (6m) outlive them"])
    }

    @Test func anOffsiteTierWithoutMonthliesMakesWeekliesFull() throws {
        let policy = Fixtures.policy("""
            name: offsite-weeklies
            timezone: UTC
            max_age: 190d
            local: { daily: 7d, weekly: 5w, monthly: 6m }
            offsite: { weekly: 5w, object_lock: none }
            """)
        let weekly = try #require(levels(policy)[.weekly])
        #expect(weekly.level == "full")
        #expect(weekly.summary == "weekly archives are written in full: offsite keeps no monthly copies")
        #expect(weekly.lines.last == "  offsite keeps weekly copies 5w: no monthly copies")
        #expect(levels(policy)[.daily]?.level == "differential", "dailies stay local, where their bases are")
    }

    @Test func aPolicyWithoutMonthliesOrYearliesWritesWeekliesInFull() throws {
        let levels = levels(Fixtures.weeklyOnlyUTC)
        #expect(levels[.weekly]?.summary == "weekly archives are written in full: no location keeps monthly or yearly copies to be a base")
        #expect(levels[.weekly]?.lines.count == 1)
        #expect(levels[.daily]?.summary == "daily archives are written as differentials against the newest weekly archive")
    }

    /// Equal lifetimes are not enough: a weekly written on Monday and kept 7d is gone before the
    /// Tuesday daily kept 7d. The walk uses the policy's delete-by, so it sees the gap.
    @Test func aBaseWrittenEarlierWithTheSameLifetimeDoesNotOutliveItsDependants() throws {
        let policy = Fixtures.policy("""
            name: short-weeklies
            timezone: UTC
            max_age: 190d
            local: { daily: 7d, weekly: 7d, monthly: 6m }
            """)
        let daily = try #require(levels(policy)[.daily])
        #expect(daily.differentialAgainst == [.monthly])
        #expect(daily.fullAgainst == [.weekly])
        #expect(daily.level == "depends_on_base")
        #expect(daily.summary == "daily archives are written as differentials against the newest weekly or monthly archive when it is a monthly, "
            + "in full when it is a weekly: local deletes weekly copies (kept 7d) before copies written against them (kept 7d)")
    }

    /// Months are compared through the calendar, not guessed: monthlies kept 1m outlive weeklies
    /// kept 1w written in the same month only if the month is long enough; here they are not.
    @Test func monthlyLifetimesAreComparedOnTheCalendar() throws {
        let policy = Fixtures.policy("""
            name: short-monthlies
            timezone: UTC
            max_age: 190d
            local: { daily: 7d, weekly: 1w, monthly: 1m }
            """)
        #expect(levels(policy)[.weekly]?.fullAgainst == [.monthly], "a weekly of the 29th kept 1w outlives the monthly of the 1st kept 1m")
        let longer = Fixtures.policy("""
            name: longer-monthlies
            timezone: UTC
            max_age: 190d
            local: { daily: 7d, weekly: 1w, monthly: 6w }
            """)
        #expect(levels(longer)[.weekly]?.level == "differential")
    }

    @Test func theExampleIsFullOnlyWhenTheNewestBaseIsTheOffsiteOnlyYearly() throws {
        let levels = levels(Fixtures.examplePolicy)
        let weekly = try #require(levels[.weekly])
        #expect(weekly.differentialAgainst == [.monthly])
        #expect(weekly.fullAgainst == [.yearly])
        #expect(weekly.summary.hasSuffix("in full when it is a yearly: local keeps no yearly copies"))
        #expect(levels[.yearly]?.level == "full")
    }

    /// The explanation agrees with the planner itself: on a walk of nightly sets, every archive
    /// the planner writes as a differential has a base of a class the explanation names, and
    /// every full one (with an earlier base candidate) a base of a class it says makes it full.
    @Test(arguments: ["default", "example", "short-weeklies", "offsite-weeklies"])
    func theExplanationAgreesWithThePlanner(_ name: String) {
        let policies = [
            "default": Fixtures.defaultPolicy, "example": Fixtures.examplePolicy,
            "short-weeklies": Fixtures.policy("name: s\ntimezone: Europe/Amsterdam\nmax_age: 190d\nlocal: { daily: 7d, weekly: 7d, monthly: 6m }"),
            "offsite-weeklies": Fixtures.policy("name: o\ntimezone: UTC\nmax_age: 190d\nlocal: { daily: 7d, weekly: 5w, monthly: 6m }\noffsite: { weekly: 5w, object_lock: none }"),
        ]
        let policy = policies[name]!
        let levels = levels(policy)
        var candidates: [BaseCandidate] = []
        var previous: Date?
        var night = Fixtures.at("2026-12-20T02:00:00Z")
        for _ in 0..<500 {
            let retentionClass = SetClassifier.classify(created: night, latestEarlierSet: previous, policy: policy)
            var deleteBy: [Location: Date] = [:]
            for location in Location.allCases { deleteBy[location] = policy.deleteBy(created: night, class: retentionClass, location: location) }
            let level = ArchiveLevelPlanner.level(of: retentionClass, deleteBy: deleteBy, candidates: candidates, policy: policy)
            let newest = candidates.filter { ArchiveLevelPlanner.baseClasses(of: retentionClass).contains($0.retentionClass) }.max { $0.created < $1.created }
            if let newest, let explained = levels[retentionClass] {
                switch level {
                case .differential: #expect(explained.differentialAgainst.contains(newest.retentionClass), "\(night) \(retentionClass)")
                case .full: #expect(explained.fullAgainst.contains(newest.retentionClass), "\(night) \(retentionClass): \(level.reason)")
                }
            }
            candidates.append(BaseCandidate(archive: .random(), set: SetID.make(created: night), retentionClass: retentionClass,
                                            created: night, deleteBy: deleteBy))
            previous = night
            night = night.addingTimeInterval(86_400)
        }
    }

    // Golden files: Tests/LethePolicyTests/Golden/levels-*.txt and .json pin what
    // `lethe policy check [--json]` prints per class. Re-record with LETHE_RECORD_GOLDEN=1.
    @Test(arguments: ["levels-default.txt", "levels-default.json", "levels-example.txt", "levels-example.json"])
    func goldenLevels(_ name: String) throws {
        let policy = name.contains("default") ? Fixtures.defaultPolicy : Fixtures.examplePolicy
        let actual = name.hasSuffix(".json") ? try LetheJSON.text(policy.levels) + "\n" : policy.levels.flatMap(\.lines).joined(separator: "\n") + "\n"
        guard let expected = try GoldenFile.expected(name, actual: actual, bundle: .module) else { return }
        #expect(actual == expected, "the levels differ from Golden/\(name); if intended, re-record with LETHE_RECORD_GOLDEN=1")
    }
}
