import Foundation
import LetheCore
import LetheTestSupport
import Testing
@testable import LethePolicy

/// The planner's base guard (invariant 15): a base copy past its delete-by is not deleted while
/// a copy at the same location that is a differential against it is still stored or to be
/// stored and not deleted before it in the same run. By construction a base's delete-by is never
/// earlier than its dependants', so these plans come from a catalog that says otherwise (damage,
/// a hand edit): the rows here are such a catalog.
struct RetentionPlannerBaseGuardTests {
    static let at = Fixtures.at
    static let alice = Pseudonym("paaaaaaaaaaaaaaaaaaaaaaaaaa")
    static let now = at("2026-11-29T02:00:00Z")

    /// A copy of archive `archive` (a differential against `base`, if given).
    static func copy(_ id: Int64, _ archive: String, base: String? = nil, _ location: Location, _ retentionClass: RetentionClass,
                     created: String, deleteBy: String, state: CopyState = .live) -> CopyRecord {
        let createdDate = at(created)
        let set = SetID(Timestamp.compact(createdDate) + "-test")
        return CopyRecord(id: id, archiveID: ArchiveID(archive), setID: set, pseudonym: alice, retentionClass: retentionClass,
                          location: location, objectKey: .archive(pseudonym: alice, set: set, archive: ArchiveID(archive)),
                          created: createdDate, deleteBy: at(deleteBy), state: state, bytes: 0,
                          baseArchiveID: base.map { ArchiveID($0) })
    }

    static func plan(_ copies: [CopyRecord]) -> RetentionPlan {
        RetentionPlanner.plan(copies: copies, policy: Fixtures.defaultPolicy, now: now)
    }

    static func decision(_ plan: RetentionPlan, _ id: Int64) throws -> RetentionPlan.Decision {
        try #require(plan.decisions.first { $0.copyID == id })
    }

    /// The monthly's rows say 20 November (hand-edited); its weekly lives to 7 December locally.
    /// The local monthly is held, with a reason naming the weekly; the offsite monthly, which no
    /// offsite copy depends on, is deleted; the date's expiry key is still destroyed.
    @Test func aDueBaseWithAKeptDependantAtItsLocationIsHeld() throws {
        let plan = Self.plan([
            Self.copy(1, "monthly", .local, .monthly, created: "2026-11-01T02:00:00Z", deleteBy: "2026-11-20T00:00:00Z"),
            Self.copy(2, "weekly", base: "monthly", .local, .weekly, created: "2026-11-02T02:00:00Z", deleteBy: "2026-12-07T00:00:00Z"),
            Self.copy(3, "monthly", .offsite, .monthly, created: "2026-11-01T02:00:00Z", deleteBy: "2026-11-20T00:00:00Z"),
        ])
        let held = try Self.decision(plan, 1)
        #expect(held.action == .hold)
        let reason = try #require(held.reasons.first { $0.rule == .heldForDependant })
        #expect(reason.text.contains("#2") && reason.text.contains("weekly") && reason.text.contains("2026-12-07"), "\(reason.text)")
        #expect(try Self.decision(plan, 2).action == .keep)
        #expect(try Self.decision(plan, 3).action == .delete)
        #expect(plan.count(.hold) == 1 && plan.count(.delete) == 1 && plan.count(.keep) == 1)
        #expect(plan.expiredKeyDates == [Self.at("2026-11-20T00:00:00Z")])
        #expect(plan.text.contains("1 keep, 1 delete, 0 cancel-pending, 1 hold"), "\(plan.text)")
        #expect(plan.text.contains("hold           local   monthly"), "\(plan.text)")
        #expect(plan.json().contains("\"hold\" : 1"), "\(plan.json())")
    }

    /// A base due in the same run as its dependants is deleted after them: the plan says so
    /// (`deleteAfter`, a reason) and its application order puts the daily, then the weekly,
    /// then the monthly, though the plan lists them oldest first.
    @Test func aBaseDueWithItsDependantsIsDeletedAfterThem() throws {
        let plan = Self.plan([
            Self.copy(1, "monthly", .local, .monthly, created: "2026-11-01T02:00:00Z", deleteBy: "2026-11-20T00:00:00Z"),
            Self.copy(2, "weekly", base: "monthly", .local, .weekly, created: "2026-11-02T02:00:00Z", deleteBy: "2026-11-20T00:00:00Z"),
            Self.copy(4, "daily", base: "weekly", .local, .daily, created: "2026-11-03T02:00:00Z", deleteBy: "2026-11-10T00:00:00Z"),
        ])
        #expect(plan.decisions.map(\.action) == [.delete, .delete, .delete])
        #expect(try Self.decision(plan, 1).deleteAfter == [2])
        #expect(try Self.decision(plan, 2).deleteAfter == [4])
        #expect(try Self.decision(plan, 4).deleteAfter == [])
        #expect(try Self.decision(plan, 1).reasons.contains { $0.rule == .afterDependants && $0.text.contains("#2") })
        #expect(plan.decisions.map(\.copyID) == [1, 2, 4])
        #expect(plan.applicationOrder.map { plan.decisions[$0].copyID } == [4, 2, 1])
    }

    /// A hold reaches down the chain: the daily is kept, so its weekly is held, so their monthly is.
    @Test func aHoldReachesDownTheChain() throws {
        let plan = Self.plan([
            Self.copy(1, "monthly", .local, .monthly, created: "2026-11-01T02:00:00Z", deleteBy: "2026-11-20T00:00:00Z"),
            Self.copy(2, "weekly", base: "monthly", .local, .weekly, created: "2026-11-02T02:00:00Z", deleteBy: "2026-11-20T00:00:00Z"),
            Self.copy(4, "daily", base: "weekly", .local, .daily, created: "2026-11-24T02:00:00Z", deleteBy: "2026-12-01T00:00:00Z"),
        ])
        #expect(plan.decisions.map(\.action) == [.hold, .hold, .keep])
        let monthly = try #require(try Self.decision(plan, 1).reasons.first { $0.rule == .heldForDependant })
        #expect(monthly.text.contains("#2") && monthly.text.contains("held too"), "\(monthly.text)")
    }

    /// Only a dependant still stored or to be stored holds its base: a pending one does; a
    /// deleted one, or a shredded one (its base is shredded with it), does not. A pending base
    /// has nothing stored to keep: its upload is cancelled whatever depends on it.
    @Test func onlyADependantStillStoredOrToBeStoredHoldsItsBase() throws {
        let plan = Self.plan([
            Self.copy(1, "m1", .offsite, .monthly, created: "2026-10-01T02:00:00Z", deleteBy: "2026-11-20T00:00:00Z"),
            Self.copy(2, "w1", base: "m1", .offsite, .weekly, created: "2026-10-05T02:00:00Z", deleteBy: "2026-12-07T00:00:00Z", state: .pending),
            Self.copy(3, "m2", .local, .monthly, created: "2026-10-01T02:00:00Z", deleteBy: "2026-11-20T00:00:00Z"),
            Self.copy(4, "w2", base: "m2", .local, .weekly, created: "2026-10-05T02:00:00Z", deleteBy: "2026-12-07T00:00:00Z", state: .deleted),
            Self.copy(5, "m3", .local, .monthly, created: "2026-10-01T02:00:00Z", deleteBy: "2026-11-20T00:00:00Z", state: .shredded),
            Self.copy(6, "w3", base: "m3", .local, .weekly, created: "2026-10-05T02:00:00Z", deleteBy: "2026-12-07T00:00:00Z", state: .shredded),
            Self.copy(7, "m4", .offsite, .monthly, created: "2026-10-01T02:00:00Z", deleteBy: "2026-11-20T00:00:00Z", state: .pending),
            Self.copy(8, "w4", base: "m4", .offsite, .weekly, created: "2026-10-05T02:00:00Z", deleteBy: "2026-12-07T00:00:00Z", state: .pending),
        ])
        #expect(try Self.decision(plan, 1).action == .hold)
        #expect(try Self.decision(plan, 3).action == .delete)
        #expect(try Self.decision(plan, 5).action == .delete)
        #expect(try Self.decision(plan, 7).action == .cancelPending)
    }

    /// Rows whose bases name each other (damage) still give a plan and an order that ends.
    @Test func basesNamingEachOtherEndThePlan() throws {
        let plan = Self.plan([
            Self.copy(1, "x", base: "y", .local, .weekly, created: "2026-11-02T02:00:00Z", deleteBy: "2026-11-20T00:00:00Z"),
            Self.copy(2, "y", base: "x", .local, .weekly, created: "2026-11-09T02:00:00Z", deleteBy: "2026-11-20T00:00:00Z"),
        ])
        #expect(plan.decisions.count == 2)
        #expect(plan.applicationOrder.sorted() == [0, 1])
    }
}
