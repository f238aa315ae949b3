import Foundation
import LetheCatalog
import LetheCore
import LetheJobs
import LetheTestSupport
import Testing

/// 400 consecutive nights of backup then expire, on a manual clock, under a policy in
/// Europe/Amsterdam, checked every night against an independent model of the strict calendar,
/// at both locations: the local store and an offsite store (the in-memory, versioned,
/// compliance-locking double on the same clock) that keeps no dailies and shorter monthlies.
///
/// The nights run at 22:30 UTC: 00:30 the next day in summer (CEST), 23:30 the same day in
/// winter (CET). So the local day is not the UTC day half of the year, the night the clocks go
/// back puts two sets on one local day (Sunday 31 October 2027, also a month end on a Sunday),
/// and the night they go forward skips a local day (Sunday 26 March 2028). Inside the range:
/// a year boundary, 29 February 2028, missed nights (one a first of the month, one the first of
/// the year, two in a row starting on a Monday), and nights where the backup failed but expiry ran.
@Suite struct CalendarSimulationTests {
    static let policyText = """
        name: simulation
        timezone: Europe/Amsterdam
        max_age: 400d
        local: { daily: 7d, weekly: 5w, monthly: 6m, yearly: 1y }
        offsite: { weekly: 5w, monthly: 3m, yearly: 1y, object_lock: compliance }
        """
    static let zone = TimeZone(identifier: "Europe/Amsterdam")!
    /// 2027-06-01T22:30:00Z (00:30 on 2 June in Amsterdam).
    static let firstNight = Timestamp.parse("2027-06-01T22:30:00Z")!
    static let nights = 400

    /// Nights the machine was off: neither backup nor expiry ran (by UTC date).
    static let machineOff: Set<String> = [
        "2027-07-31", // local Sunday 1 August 00:30: the month's first night is missed
        "2027-09-12", "2027-09-13", // local Monday 13 and Tuesday 14 September
        "2028-01-01", // local Saturday 1 January 23:30: the year's first night is missed
        "2028-05-31", // local Thursday 1 June 00:30
    ]
    /// Nights the backup failed but expiry still ran (by UTC date).
    static let backupFailed: Set<String> = ["2027-12-24", "2028-04-03"]

    /// The model: obviously right, independent of LethePolicy (Foundation's calendar, not the
    /// planner's arithmetic).
    struct Model {
        struct Copy: Equatable, CustomStringConvertible {
            var created: Date
            var retentionClass: RetentionClass
            var deleteBy: Date
            var description: String { "\(Timestamp.iso(created)) \(retentionClass.rawValue) until \(Timestamp.iso(deleteBy))" }
        }

        let calendar: Calendar = {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = CalendarSimulationTests.zone
            calendar.firstWeekday = 2            // ISO weeks start on Monday…
            calendar.minimumDaysInFirstWeek = 4  // …and week 1 holds the year's first Thursday.
            return calendar
        }()
        var sets: [Copy] = []

        /// The policy's lifetimes, as calendar components, per location.
        static let localLifetimes: [RetentionClass: DateComponents] = [
            .daily: DateComponents(day: 7), .weekly: DateComponents(day: 35), .monthly: DateComponents(month: 6),
            .yearly: DateComponents(year: 1)]
        static let offsiteLifetimes: [RetentionClass: DateComponents] = [
            .weekly: DateComponents(day: 35), .monthly: DateComponents(month: 3), .yearly: DateComponents(year: 1)]

        /// First of the year, else of the month, else of the ISO week, else daily: compared with
        /// the previous set's local date.
        func classify(_ created: Date) -> RetentionClass {
            guard let previous = sets.last?.created else { return .yearly }
            let now = calendar.dateComponents([.year, .month, .yearForWeekOfYear, .weekOfYear], from: created)
            let then = calendar.dateComponents([.year, .month, .yearForWeekOfYear, .weekOfYear], from: previous)
            if now.year != then.year { return .yearly }
            if now.month != then.month { return .monthly }
            if now.yearForWeekOfYear != then.yearForWeekOfYear || now.weekOfYear != then.weekOfYear { return .weekly }
            return .daily
        }

        /// The local copy's delete-by.
        func deleteBy(_ created: Date, _ retentionClass: RetentionClass) -> Date {
            deleteBy(created, lifetime: Self.localLifetimes[retentionClass]!)
        }

        /// Local midnight of (created day + lifetime), capped at created day + max_age.
        func deleteBy(_ created: Date, lifetime: DateComponents) -> Date {
            let day = calendar.startOfDay(for: created)
            let due = calendar.date(byAdding: lifetime, to: day)!
            return calendar.startOfDay(for: min(due, maxAgeCap(created)))
        }

        /// Local midnight of created day + 400 days.
        func maxAgeCap(_ created: Date) -> Date {
            calendar.startOfDay(for: calendar.date(byAdding: .day, value: 400, to: calendar.startOfDay(for: created))!)
        }

        mutating func backedUp(at created: Date) -> Copy {
            let retentionClass = classify(created)
            let copy = Copy(created: created, retentionClass: retentionClass, deleteBy: deleteBy(created, retentionClass))
            sets.append(copy)
            return copy
        }

        /// What survives an expire run at `now`: exactly the copies whose delete-by is later.
        func survivors(at now: Date) -> [Copy] { sets.filter { now < $0.deleteBy } }

        /// What survives at a location keeping `lifetimes`: a copy of every set of a class it
        /// keeps, with that location's delete-by, while that date is later than `now`.
        func survivors(at now: Date, keeping lifetimes: [RetentionClass: DateComponents]) -> [Copy] {
            sets.compactMap { set in
                lifetimes[set.retentionClass].map { lifetime in
                    Copy(created: set.created, retentionClass: set.retentionClass, deleteBy: deleteBy(set.created, lifetime: lifetime))
                }
            }.filter { now < $0.deleteBy }
        }

        /// "2027-08-02": a set's local day.
        func localDay(_ date: Date) -> String {
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
        }
    }

    @Test func fourHundredNightsMatchTheModel() throws {
        let fixture = try JobFixture(customers: ["c1": ["a.txt": Array("one".utf8)], "c2": ["b.txt": Array("two".utf8)]],
                                     now: Self.firstNight.addingTimeInterval(-3600), policy: Self.policyText)
        let offsite = InMemoryObjectStore(location: .offsite, clock: fixture.clock, lockMode: .compliance)
        let home = try fixture.home(offsiteStore: offsite)
        var model = Model()
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        var deletedSoFar = 0
        var offsiteSets = 0
        var runs = 0

        for night in 0..<Self.nights {
            let now = Self.firstNight.addingTimeInterval(TimeInterval(night) * 86_400)
            let utcDay = String(Timestamp.iso(now).prefix(10))
            if Self.machineOff.contains(utcDay) { continue }
            fixture.clock.set(now)
            runs += 1

            if !Self.backupFailed.contains(utcDay) {
                let backup = try BackupJob(home: home).run()
                #expect(backup.state == .complete)
                let expected = model.backedUp(at: backup.created)
                #expect(backup.retentionClass == expected.retentionClass,
                        "night \(utcDay) (local \(model.localDay(now))): class \(backup.retentionClass), the model says \(expected.retentionClass)")
                // Offsite: a copy of each archive exactly when the offsite tier keeps the class.
                let copiedOffsite = Model.offsiteLifetimes[expected.retentionClass] != nil
                #expect(backup.offsite.map(\.status) == (copiedOffsite ? [.copied, .copied] : []), "night \(utcDay)")
                offsiteSets += copiedOffsite ? 1 : 0
            }
            let expire = try ExpireJob(home: home).run()
            #expect(expire.state == .complete)
            deletedSoFar += expire.count(.deleted)

            // Surviving copies, per customer, are exactly the model's survivors.
            let live = try home.catalog.copies(location: .local, states: [.live])
            let expected = model.survivors(at: now)
            let byPseudonym = Dictionary(grouping: live, by: \.pseudonym)
            #expect(byPseudonym.count == (expected.isEmpty ? 0 : 2), "night \(utcDay)")
            for (_, copies) in byPseudonym {
                let actual = copies.sorted { $0.created < $1.created }
                    .map { Model.Copy(created: $0.created, retentionClass: $0.retentionClass, deleteBy: $0.deleteBy) }
                try #require(actual == expected, "night \(utcDay) (local \(model.localDay(now))): catalog \(actual) vs model \(expected)")
            }
            // The store holds exactly the live copies.
            let stored = Set(try home.localStore.list(prefix: "archives/").map(\.key))
            #expect(stored == Set(live.map(\.objectKey)), "night \(utcDay): store and catalog disagree")
            // No copy outlives max_age, and none was ever given a later delete-by.
            for copy in live {
                #expect(copy.deleteBy <= model.maxAgeCap(copy.created), "\(copy.objectKey) delete-by past max_age")
                #expect(now < model.maxAgeCap(copy.created), "\(copy.objectKey) outlived max_age")
            }
            #expect(!live.isEmpty, "night \(utcDay): nothing survived")

            // The same offsite, with the offsite lifetimes.
            let liveOffsite = try home.catalog.copies(location: .offsite, states: [.live])
            let expectedOffsite = model.survivors(at: now, keeping: Model.offsiteLifetimes)
            let offsiteByPseudonym = Dictionary(grouping: liveOffsite, by: \.pseudonym)
            #expect(offsiteByPseudonym.count == (expectedOffsite.isEmpty ? 0 : 2), "night \(utcDay) offsite")
            for (_, copies) in offsiteByPseudonym {
                let actual = copies.sorted { $0.created < $1.created }
                    .map { Model.Copy(created: $0.created, retentionClass: $0.retentionClass, deleteBy: $0.deleteBy) }
                try #require(actual == expectedOffsite,
                             "night \(utcDay) (local \(model.localDay(now))): offsite catalog \(actual) vs model \(expectedOffsite)")
            }
            // The offsite store holds exactly the live offsite copies: one version each, locked
            // until its delete-by; none outlives max_age. Beside them, the ledger-head marker and
            // the epoch witness (from the first rotation on), in one version each.
            let versions = offsite.listVersions(prefix: ObjectKey.archivePrefix)
            let own = Dictionary(grouping: offsite.listVersions(prefix: "lethe/"), by: \.key)
            #expect(own.count <= 2 && own.values.allSatisfy { $0.count == 1 }, "night \(utcDay): the marker and the witness keep one version each")
            #expect(versions.count == liveOffsite.count, "night \(utcDay): offsite versions \(versions.count) vs \(liveOffsite.count) live copies")
            let lockOf = Dictionary(versions.map { ($0.key, $0.lockedUntil) }) { a, _ in a }
            #expect(Set(lockOf.keys) == Set(liveOffsite.map(\.objectKey)), "night \(utcDay): offsite store and catalog disagree")
            for copy in liveOffsite {
                #expect(lockOf[copy.objectKey] == copy.deleteBy, "\(copy.objectKey) locked until \(String(describing: lockOf[copy.objectKey]))")
                #expect(copy.deleteBy <= model.maxAgeCap(copy.created) && now < model.maxAgeCap(copy.created))
            }
            #expect(try home.catalog.copies(location: .offsite, states: [.pending]).isEmpty)
        }

        // Every row is kept as history: live or deleted, nothing else.
        let all = try home.catalog.copies()
        #expect(all.filter { $0.location == .local }.count == 2 * model.sets.count)
        #expect(all.filter { $0.location == .offsite }.count == 2 * offsiteSets)
        #expect(offsiteSets == model.sets.filter { Model.offsiteLifetimes[$0.retentionClass] != nil }.count)
        #expect(all.allSatisfy { $0.state == .live || $0.state == .deleted })
        #expect(all.filter { $0.state == .deleted }.count == deletedSoFar)

        // The calendar cases this simulation exists for happened, with the classes the rules give
        // (pinned by hand, not by the model).
        let classOf = Dictionary(model.sets.map { (model.localDay($0.created), $0.retentionClass) }) { a, _ in a }
        #expect(classOf["2027-06-02"] == .yearly)      // the first set ever
        #expect(classOf["2027-06-07"] == .weekly)      // a Monday
        #expect(classOf["2027-08-01"] == nil)          // missed…
        #expect(classOf["2027-08-02"] == .monthly)     // …so the 2nd is the month's first set
        #expect(classOf["2027-09-13"] == nil && classOf["2027-09-15"] == .weekly) // Monday missed
        #expect(model.sets.filter { model.localDay($0.created) == "2027-10-31" }.map(\.retentionClass) == [.daily, .daily])
        #expect(classOf["2027-11-01"] == .monthly)     // first of the month beats first of the week
        #expect(classOf["2028-01-01"] == nil && classOf["2028-01-02"] == .yearly) // year boundary, first night missed
        #expect(classOf["2028-01-03"] == .weekly)
        #expect(classOf["2028-02-29"] == .daily)
        #expect(classOf["2028-03-26"] == nil && classOf["2028-03-27"] == .weekly) // the Sunday the clocks went forward
        #expect(model.sets.count == Self.nights - Self.machineOff.count - Self.backupFailed.count)
        // Hand-checked delete-by dates: local midnights, so 23:00Z in winter and 22:00Z in summer.
        let deleteByOf = Dictionary(model.sets.map { (model.localDay($0.created), Timestamp.iso($0.deleteBy)) }) { a, _ in a }
        #expect(deleteByOf["2028-02-29"] == "2028-03-06T23:00:00Z")   // + 7d = 7 March, CET
        #expect(deleteByOf["2027-08-02"] == "2028-02-01T23:00:00Z")   // + 6m = 2 February, CET
        #expect(deleteByOf["2028-03-27"] == "2028-04-30T22:00:00Z")   // + 5w = 1 May, CEST
        #expect(deleteByOf["2027-06-02"] == "2028-06-01T22:00:00Z")   // + 1y = 2 June 2028, CEST
        // And offsite (+ 3m for monthlies; weeklies and yearlies as local), from the catalog.
        let offsiteRows = Dictionary(all.filter { $0.location == .offsite }.map { (model.localDay($0.created), Timestamp.iso($0.deleteBy)) }) { a, _ in a }
        #expect(offsiteRows["2027-08-02"] == "2027-11-01T23:00:00Z")  // + 3m = 2 November, CET
        #expect(offsiteRows["2028-03-27"] == "2028-04-30T22:00:00Z")  // + 5w = 1 May, CEST
        #expect(offsiteRows["2028-02-29"] == nil)                     // a daily: never offsite
        #expect(offsiteRows["2027-06-02"] == "2028-06-01T22:00:00Z")
        #expect(runs == Self.nights - Self.machineOff.count)
        #expect(deletedSoFar > 600)
    }
}
