import Foundation
import LetheCore
import Testing
@testable import LethePolicy

/// Full or differential, decided on the strict calendar: the base is the newest archive of an
/// allowed class, and it must outlive the new copy at every location the copy goes to.
@Suite struct ArchiveLevelPlannerTests {
    let policy = Fixtures.defaultPolicy

    /// A candidate of `retentionClass` created at `created`, with copies where the policy keeps them.
    func candidate(_ retentionClass: RetentionClass, _ created: String, in policy: Policy? = nil) -> BaseCandidate {
        let policy = policy ?? self.policy
        let date = Fixtures.at(created)
        var deleteBy: [Location: Date] = [:]
        for location in Location.allCases { deleteBy[location] = policy.deleteBy(created: date, class: retentionClass, location: location) }
        return BaseCandidate(archive: .random(), set: SetID.make(created: date), retentionClass: retentionClass, created: date, deleteBy: deleteBy)
    }

    /// The delete-by of each copy of a new archive of `retentionClass` created at `created`.
    func deleteBy(_ retentionClass: RetentionClass, _ created: String, in policy: Policy? = nil) -> [Location: Date] {
        let policy = policy ?? self.policy
        var result: [Location: Date] = [:]
        for location in Location.allCases { result[location] = policy.deleteBy(created: Fixtures.at(created), class: retentionClass, location: location) }
        return result
    }

    @Test(arguments: [RetentionClass.monthly, .yearly])
    func monthliesAndYearliesAreAlwaysFull(_ retentionClass: RetentionClass) {
        let level = ArchiveLevelPlanner.level(of: retentionClass, deleteBy: deleteBy(retentionClass, "2026-12-01T02:00:00Z"),
                                              candidates: [candidate(.monthly, "2026-11-01T02:00:00Z")], policy: policy)
        #expect(level == .full(reason: "\(retentionClass.rawValue) archives are always full"))
    }

    @Test func aWeeklyIsADifferentialAgainstTheNewestMonthlyOrYearly() {
        let monthly = candidate(.monthly, "2026-11-01T02:00:00Z")
        let older = candidate(.yearly, "2026-01-01T02:00:00Z")
        let daily = candidate(.daily, "2026-11-08T02:00:00Z")
        let level = ArchiveLevelPlanner.level(of: .weekly, deleteBy: deleteBy(.weekly, "2026-11-09T02:00:00Z"),
                                              candidates: [daily, older, monthly], policy: policy)
        #expect(level == .differential(base: monthly, reason: "differential against the newest monthly or yearly archive (monthly, set \(monthly.set))"))
    }

    @Test func aDailyIsADifferentialAgainstTheNewestWeeklyMonthlyOrYearlyNeverADaily() {
        let monthly = candidate(.monthly, "2026-11-01T02:00:00Z")
        let weekly = candidate(.weekly, "2026-11-02T02:00:00Z")
        let daily = candidate(.daily, "2026-11-03T02:00:00Z")
        let level = ArchiveLevelPlanner.level(of: .daily, deleteBy: deleteBy(.daily, "2026-11-04T02:00:00Z"),
                                              candidates: [monthly, daily, weekly], policy: policy)
        guard case .differential(let base, _) = level else { Issue.record("expected a differential, got \(level)"); return }
        #expect(base == weekly)
    }

    @Test func noEarlierArchiveOfAnAllowedClassMeansFull() {
        let level = ArchiveLevelPlanner.level(of: .daily, deleteBy: deleteBy(.daily, "2026-11-04T02:00:00Z"),
                                              candidates: [candidate(.daily, "2026-11-03T02:00:00Z")], policy: policy)
        #expect(level == .full(reason: "the customer has no earlier weekly, monthly or yearly archive to be a base"))
    }

    @Test func aBaseWithoutALiveCopyWhereTheNewCopyGoesMeansFull() {
        var monthly = candidate(.monthly, "2026-11-01T02:00:00Z")
        monthly.deleteBy[.offsite] = nil  // its offsite copy is still pending, or was found damaged
        let level = ArchiveLevelPlanner.level(of: .weekly, deleteBy: deleteBy(.weekly, "2026-11-09T02:00:00Z"),
                                              candidates: [monthly], policy: policy)
        #expect(level == .full(reason: "the newest monthly or yearly archive (monthly, set \(monthly.set)) has no live copy at the offsite store"))
        // A daily goes to the local store only (the default keeps no offsite dailies): the same base serves it.
        let daily = ArchiveLevelPlanner.level(of: .daily, deleteBy: deleteBy(.daily, "2026-11-03T02:00:00Z"),
                                              candidates: [monthly], policy: policy)
        #expect(daily == .differential(base: monthly, reason: "differential against the newest weekly, monthly or yearly archive (monthly, set \(monthly.set))"))
    }

    @Test func aBaseDeletedBeforeTheNewCopyMeansFull() {
        let shortMonthlies = Fixtures.policy("""
            name: short-monthlies
            timezone: UTC
            max_age: 100d
            local: { daily: 7d, weekly: 8w, monthly: 4w }
            """)
        let monthly = candidate(.monthly, "2026-11-01T02:00:00Z", in: shortMonthlies)
        let level = ArchiveLevelPlanner.level(of: .weekly, deleteBy: deleteBy(.weekly, "2026-11-09T02:00:00Z", in: shortMonthlies),
                                              candidates: [monthly], policy: shortMonthlies)
        #expect(level == .full(reason: "the newest monthly or yearly archive (monthly, set \(monthly.set)) is deleted from the local store by 2026-11-29, before this archive's 2027-01-04"))
    }

    /// 400 nights on the default policy, every night planned from the archives still alive: a
    /// base always outlives its dependant at every location, a chain is at most three archives
    /// long, and after the first monthly no weekly or daily is full.
    @Test func fourHundredNightsKeepEveryBaseAliveLongerThanItsDependants() {
        var alive: [BaseCandidate] = []
        var bases: [ArchiveID: ArchiveID] = [:]
        var latest: Date?
        var fulls: [RetentionClass: Int] = [:]
        for night in 0..<400 {
            let created = Fixtures.at("2026-11-15T02:00:00Z").addingTimeInterval(Double(night) * 86_400)
            let retentionClass = SetClassifier.classify(created: created, latestEarlierSet: latest, policy: policy)
            latest = created
            alive = alive.compactMap { archive in
                var archive = archive
                archive.deleteBy = archive.deleteBy.filter { $0.value > created }
                return archive.deleteBy.isEmpty ? nil : archive
            }
            var due: [Location: Date] = [:]
            for location in Location.allCases { due[location] = policy.deleteBy(created: created, class: retentionClass, location: location) }
            let level = ArchiveLevelPlanner.level(of: retentionClass, deleteBy: due, candidates: alive, policy: policy)
            let archive = BaseCandidate(archive: .random(), set: SetID.make(created: created), retentionClass: retentionClass, created: created, deleteBy: due)
            switch level {
            case .full:
                fulls[retentionClass, default: 0] += 1
            case .differential(let base, _):
                for (location, date) in due { #expect(base.deleteBy[location].map { $0 >= date } == true, "night \(night): base outlives at \(location)") }
                bases[archive.archive] = base.archive
                var depth = 1, link = base.archive
                while let next = bases[link] { depth += 1; link = next }
                #expect(depth + 1 <= 3, "night \(night): a chain of \(depth + 1) archives")
            }
            alive.append(archive)
        }
        // The default keeps no yearlies: the first night is a monthly, and so is each month's
        // first; they alone are full, 14 of them from 2026-11-15 to 2027-12-19.
        #expect(fulls == [.monthly: 14], "\(fulls)")
    }
}
