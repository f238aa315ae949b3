import Foundation
import LetheTestSupport
import LetheCore
import Testing
@testable import LethePolicy

/// The retention planner: rules, golden plans, and a large catalog.
struct RetentionPlannerTests {
    static let at = Fixtures.at
    static let alice = Pseudonym("paaaaaaaaaaaaaaaaaaaaaaaaaa")
    static let bob = Pseudonym("pbbbbbbbbbbbbbbbbbbbbbbbbbb")

    /// One copy, with a set id and object key derived from its creation time.
    static func copy(_ id: Int64, _ location: Location, _ retentionClass: RetentionClass, _ pseudonym: Pseudonym,
                     created: String, deleteBy: String, state: CopyState = .live) -> CopyRecord {
        let createdDate = at(created)
        let set = SetID(Timestamp.compact(createdDate) + "-test")
        return CopyRecord(id: id, archiveID: ArchiveID("a\(id)"), setID: set, pseudonym: pseudonym, retentionClass: retentionClass,
                          location: location, objectKey: .archive(pseudonym: pseudonym, set: set, archive: ArchiveID("a\(id)")),
                          created: createdDate, deleteBy: at(deleteBy), state: state, bytes: 0)
    }

    /// A fixed catalog of 20 copies under policies/default.yaml (UTC), planned at
    /// 2026-11-29T02:00:00Z: expired and live copies of every class kept, pending copies before
    /// and after their date, deleted and shredded copies, a copy written under an earlier
    /// policy, a class the policy no longer keeps offsite, and one impossible delete-by.
    static let catalog: [CopyRecord] = [
        copy(1, .local, .monthly, alice, created: "2026-05-01T02:10:00Z", deleteBy: "2026-11-01T00:00:00Z"),
        copy(2, .offsite, .monthly, alice, created: "2026-05-01T02:10:00Z", deleteBy: "2026-11-01T00:00:00Z", state: .overdue),
        copy(3, .local, .monthly, alice, created: "2026-06-01T02:10:00Z", deleteBy: "2026-12-01T00:00:00Z"),
        copy(4, .offsite, .monthly, alice, created: "2026-06-01T02:10:00Z", deleteBy: "2026-12-01T00:00:00Z"),
        copy(5, .local, .weekly, bob, created: "2026-10-05T02:10:00Z", deleteBy: "2026-11-09T00:00:00Z"),
        copy(6, .offsite, .weekly, bob, created: "2026-10-05T02:10:00Z", deleteBy: "2026-11-09T00:00:00Z", state: .overdue),
        copy(7, .offsite, .weekly, alice, created: "2026-10-12T02:10:00Z", deleteBy: "2026-11-16T00:00:00Z", state: .pending),
        copy(8, .local, .weekly, alice, created: "2026-10-26T02:10:00Z", deleteBy: "2026-11-30T00:00:00Z"),
        copy(9, .offsite, .weekly, alice, created: "2026-10-26T02:10:00Z", deleteBy: "2026-11-30T00:00:00Z", state: .pending),
        copy(10, .local, .monthly, bob, created: "2026-11-01T02:10:00Z", deleteBy: "2027-05-01T00:00:00Z"),
        copy(11, .offsite, .monthly, bob, created: "2026-11-01T02:10:00Z", deleteBy: "2027-05-01T00:00:00Z"),
        // Written when weeklies lived 8 weeks: the stored date stands, with a note.
        copy(12, .local, .weekly, bob, created: "2026-11-09T02:10:00Z", deleteBy: "2027-01-04T00:00:00Z"),
        copy(13, .local, .daily, alice, created: "2026-11-20T02:10:00Z", deleteBy: "2026-11-27T00:00:00Z"),
        copy(14, .local, .daily, bob, created: "2026-11-21T02:10:00Z", deleteBy: "2026-11-28T00:00:00Z", state: .deleted),
        // Delete-by today at midnight: passed.
        copy(15, .local, .daily, alice, created: "2026-11-22T02:10:00Z", deleteBy: "2026-11-29T00:00:00Z"),
        copy(16, .local, .weekly, bob, created: "2026-11-23T02:10:00Z", deleteBy: "2026-12-28T00:00:00Z"),
        copy(17, .offsite, .weekly, bob, created: "2026-11-23T02:10:00Z", deleteBy: "2026-12-28T00:00:00Z", state: .shredded),
        // Offsite dailies are no longer kept by the policy.
        copy(18, .offsite, .daily, alice, created: "2026-11-24T02:10:00Z", deleteBy: "2026-12-01T00:00:00Z"),
        // Impossible: a delete-by far past created + max_age.
        copy(19, .local, .daily, bob, created: "2026-11-25T02:10:00Z", deleteBy: "2027-12-01T00:00:00Z"),
        copy(20, .local, .daily, alice, created: "2026-11-28T02:10:00Z", deleteBy: "2026-12-05T00:00:00Z"),
    ]
    static let now = at("2026-11-29T02:00:00Z")

    func plan() -> RetentionPlan {
        RetentionPlanner.plan(copies: Self.catalog.reversed(), policy: Fixtures.defaultPolicy, now: Self.now)
    }

    func decision(_ plan: RetentionPlan, _ id: Int64) -> RetentionPlan.Decision? {
        plan.decisions.first { $0.copyID == id }
    }

    @Test func actionsFollowTheStoredDeleteBy() {
        let plan = plan()
        #expect(plan.decisions.count == 19) // 20 minus the deleted one
        #expect(decision(plan, 14) == nil)
        // The shredded copy is unreadable already; its bytes still go on its delete-by.
        #expect(decision(plan, 17)?.reasons.contains { $0.rule == .shredded } == true)
        let byAction = Dictionary(grouping: plan.decisions, by: \.action).mapValues { $0.map(\.copyID).sorted() }
        #expect(byAction[.delete] == [1, 2, 5, 6, 13, 15])
        #expect(byAction[.cancelPending] == [7])
        #expect(byAction[.keep] == [3, 4, 8, 9, 10, 11, 12, 16, 17, 18, 19, 20])
        #expect(plan.count(.keep) == 12 && plan.count(.delete) == 6 && plan.count(.cancelPending) == 1)
    }

    @Test func expiredKeyDatesAreEveryPassedDateOnce() {
        #expect(plan().expiredKeyDates == ["2026-11-01", "2026-11-09", "2026-11-16", "2026-11-27", "2026-11-29"]
            .map { Self.at($0 + "T00:00:00Z") })
        // The deleted copy's date (28 November) is not there: nothing undeleted has it.
    }

    @Test func reasonsNameRuleClassLocationFileAndDate() {
        let plan = plan()
        let weekly = decision(plan, 6)!
        #expect(weekly.reasons.map(\.rule) == [.lifetime, .deleteByPassed])
        #expect(weekly.reasons.map(\.text) == ["weekly copy, offsite keeps weekly for 5w (policies/default.yaml)",
                                                "delete-by 2026-11-09 has passed"])
        #expect(decision(plan, 3)!.reasons.map(\.text) == ["monthly copy, local keeps monthly for 6m (policies/default.yaml)",
                                                           "keep until 2026-12-01"])
        #expect(decision(plan, 7)!.reasons.map(\.rule) == [.lifetime, .deleteByPassed, .neverUpload])
        #expect(decision(plan, 9)!.reasons.map(\.rule) == [.lifetime, .keepUntil, .pendingUpload])
        #expect(decision(plan, 18)!.reasons.map(\.rule) == [.notKeptByPolicy, .keepUntil])
    }

    @Test func storedDeleteByIsNeverMovedButANoteSaysSo() {
        let written = decision(plan(), 12)!
        #expect(written.action == .keep)
        #expect(written.deleteBy == Self.at("2027-01-04T00:00:00Z"))
        #expect(written.reasons.map(\.rule) == [.lifetime, .keepUntil, .policyNowEarlier])
        #expect(written.reasons[2].text.contains("would give delete-by 2026-12-14"))
        // A copy whose stored date is earlier than the policy would give today gets no note and
        // is still deleted on its own date.
        let early = Self.copy(30, .local, .monthly, Self.alice, created: "2026-10-01T02:10:00Z", deleteBy: "2026-11-15T00:00:00Z")
        let plan = RetentionPlanner.plan(copies: [early], policy: Fixtures.defaultPolicy, now: Self.now)
        #expect(plan.decisions.map(\.action) == [.delete])
        #expect(plan.decisions[0].reasons.map(\.rule) == [.lifetime, .deleteByPassed])
    }

    @Test func deleteByPastMaxAgeIsAViolation() {
        let plan = plan()
        let bad = decision(plan, 19)!
        #expect(bad.hasViolation)
        #expect(bad.action == .keep)
        #expect(bad.reasons.last?.text.hasPrefix("VIOLATION: delete-by 2027-12-01 is later than created + max_age 190d") == true)
        #expect(plan.decisions.filter(\.hasViolation).map(\.copyID) == [19])
    }

    @Test func planIsPureAndOrderIndependent() {
        let a = RetentionPlanner.plan(copies: Self.catalog, policy: Fixtures.defaultPolicy, now: Self.now)
        let b = RetentionPlanner.plan(copies: Self.catalog.shuffled(), policy: Fixtures.defaultPolicy, now: Self.now)
        #expect(a == b)
        #expect(a.decisions.map(\.copyID) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 17, 18, 19, 20])
    }

    @Test func jsonRoundTrips() throws {
        let plan = plan()
        let decoded = try JSONDecoder().decode(RetentionPlan.self, from: Data(plan.json().utf8))
        #expect(decoded == plan)
    }

    // Golden files: Tests/LethePolicyTests/Golden/plan.txt and plan.json pin what
    // `lethe expire --dry-run [--json]` prints. After an intended change of output, re-record
    // them with `LETHE_RECORD_GOLDEN=1 swift test --filter LethePolicyTests`, review the diff
    // and commit it; without that variable a difference fails the test.
    @Test(arguments: ["plan.txt", "plan.json"])
    func goldenPlan(_ name: String) throws {
        let plan = plan()
        let actual = name.hasSuffix(".json") ? plan.json() : plan.text
        guard let expected = try GoldenFile.expected(name, actual: actual, bundle: .module) else { return }
        #expect(actual == expected, "the plan differs from Golden/\(name); if intended, re-record with LETHE_RECORD_GOLDEN=1")
    }

    /// Not a benchmark (no timing asserted): plans 200,000 copies and checks every count, so a
    /// planner that is accidentally quadratic shows up as a slow test.
    @Test func largeCatalog() {
        let policy = Fixtures.defaultPolicy
        var copies: [CopyRecord] = []
        copies.reserveCapacity(200_000)
        let start = Self.at("2026-06-01T02:10:00Z")
        var previous: Date?
        var expectedDelete = 0, expectedCancel = 0, expectedKeep = 0
        var expectedDates: Set<Date> = []
        let now = Self.at("2026-11-29T02:00:00Z")
        var id: Int64 = 0
        for night in 0..<1_000 {
            let created = start.addingTimeInterval(Double(night) * 86_400 / 5) // five sets a day
            let retentionClass = SetClassifier.classify(created: created, latestEarlierSet: previous, policy: policy)
            previous = created
            let set = SetID(Timestamp.compact(created) + "-perf")
            for customer in 0..<100 {
                let pseudonym = Pseudonym("p\(customer)")
                for location in Location.allCases {
                    id += 1
                    let deleteBy = policy.deleteBy(created: created, class: retentionClass, location: location)
                        ?? created.addingTimeInterval(86_400) // a class not kept there: still planned
                    let state: CopyState = customer == 0 ? .deleted : (location == .offsite && customer % 10 == 1 ? .pending : .live)
                    copies.append(CopyRecord(id: id, archiveID: ArchiveID("a\(id)"), setID: set, pseudonym: pseudonym,
                                             retentionClass: retentionClass, location: location,
                                             objectKey: .archive(pseudonym: pseudonym, set: set, archive: ArchiveID("a\(id)")),
                                             created: created, deleteBy: deleteBy, state: state, bytes: 0))
                    guard state != .deleted else { continue }
                    if deleteBy <= now {
                        expectedDates.insert(deleteBy)
                        if state == .pending { expectedCancel += 1 } else { expectedDelete += 1 }
                    } else {
                        expectedKeep += 1
                    }
                }
            }
        }
        #expect(copies.count == 200_000)
        let plan = RetentionPlanner.plan(copies: copies, policy: policy, now: now)
        #expect(plan.decisions.count == 198_000)
        #expect(plan.count(.delete) == expectedDelete)
        #expect(plan.count(.cancelPending) == expectedCancel)
        #expect(plan.count(.keep) == expectedKeep)
        #expect(expectedDelete > 0 && expectedCancel > 0 && expectedKeep > 0)
        #expect(plan.expiredKeyDates == expectedDates.sorted())
        #expect(zip(plan.decisions, plan.decisions.dropFirst()).allSatisfy { $0.created <= $1.created })
    }
}
