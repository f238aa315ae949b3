import Foundation
import LetheCore

/// How the archives of one retention class are written under a policy: in full, or as
/// differentials against the newest archive of a base class, and why, location by location.
///
/// Derived from the policy alone (``Policy/levels``): what ``ArchiveLevelPlanner`` decides on a
/// calendar of nightly backups where every copy was written and none was found damaged. A
/// missed night, a pending offsite copy or a damaged base makes a single archive full at run
/// time, with the reason in the log.
public struct ClassLevels: Sendable, Equatable {
    /// The class.
    public var retentionClass: RetentionClass
    /// The classes its base may have that the policy writes (``ArchiveLevelPlanner/baseClasses(of:)``
    /// less those kept nowhere), in the planner's order; empty for a class always written in full.
    public var baseClasses: [RetentionClass]
    /// Each location that keeps this class, with how each base class fares there.
    public var locations: [LocationLevels]

    /// The base classes whose copies outlive this class's copies at every location: when the
    /// newest archive of a base class is of one of these, the archive is a differential.
    public var differentialAgainst: [RetentionClass] {
        baseClasses.filter { base in locations.allSatisfy { $0.outlives(base) } }
    }

    /// The base classes that make the archive full when the newest base candidate is of them.
    public var fullAgainst: [RetentionClass] {
        baseClasses.filter { !differentialAgainst.contains($0) }
    }
}

/// One location that keeps a class, and whether each base class's copies there outlive it.
public struct LocationLevels: Sendable, Equatable {
    /// The location.
    public var location: Location
    /// How long it keeps the class.
    public var lifetime: CalendarDuration
    /// One entry per base class the policy writes, in the planner's order.
    public var bases: [BaseClassCheck]

    /// Whether `base`'s copies here outlive the class's copies written after them.
    func outlives(_ base: RetentionClass) -> Bool { bases.first { $0.retentionClass == base }?.outlives ?? false }
}

/// Whether a base class's copies at a location outlive the copies of archives written against them.
public struct BaseClassCheck: Sendable, Equatable {
    /// The base class.
    public var retentionClass: RetentionClass
    /// How long the location keeps it; nil when it keeps none (no base copy there).
    public var lifetime: CalendarDuration?
    /// Whether every copy of it there has a delete-by not earlier than that of every copy of the
    /// class written while it is the newest base candidate.
    public var outlives: Bool
}

extension Policy {
    /// The first day of the calendar that ``levels`` walks (a leap year's first day).
    static let levelsReferenceYear = 2028
    /// How many years of nightly sets ``levels`` walks (every month length, a leap year, and
    /// every weekday for the first of a month and of a year).
    static let levelsReferenceYears = 8

    /// How each class this policy writes is written: in full or as differentials, and against what.
    ///
    /// Pure, from the policy alone: walks a calendar of nightly sets (``levelsReferenceYears``
    /// years from 1 January ``levelsReferenceYear``, at local noon), classes them with
    /// ``SetClassifier``, and, for each set of a class that takes a base, finds the newest
    /// earlier set of the classes ``ArchiveLevelPlanner/baseClasses(of:)`` allows. At each
    /// location that keeps the set's class, the base's class must be kept too, and the base
    /// copy's delete-by (``deleteBy(created:class:location:)``) must not be earlier than the
    /// set's: the planner's own rule, with the policy's own calendar arithmetic.
    public var levels: [ClassLevels] {
        let written = RetentionClass.allCases.reversed().filter { keepsAnywhere($0) }
        // (class, location, base class) where a base copy was deleted before a dependant's.
        var failures: Set<[String]> = []
        var newest: [RetentionClass: Date] = [:]
        var previous: Date?
        let first = CivilDate(year: Self.levelsReferenceYear, month: 1, day: 1)
        let last = CivilDate(year: Self.levelsReferenceYear + Self.levelsReferenceYears, month: 1, day: 1)
        for dayNumber in first.dayNumber..<last.dayNumber {
            let created = CivilDate(dayNumber: dayNumber).start(in: timeZone).addingTimeInterval(12 * 3600)
            let retentionClass = SetClassifier.classify(created: created, latestEarlierSet: previous, policy: self)
            let allowed = ArchiveLevelPlanner.baseClasses(of: retentionClass)
            if let base = allowed.compactMap({ c in newest[c].map { (c, $0) } }).max(by: { $0.1 < $1.1 }) {
                for location in locations(keeping: retentionClass) {
                    let due = deleteBy(created: created, class: retentionClass, location: location)!
                    let baseDue = deleteBy(created: base.1, class: base.0, location: location)
                    if !(baseDue.map { $0 >= due } ?? false) {
                        failures.insert([retentionClass.rawValue, location.rawValue, base.0.rawValue])
                    }
                }
            }
            newest[retentionClass] = created
            previous = created
        }
        return written.map { retentionClass in
            let bases = ArchiveLevelPlanner.baseClasses(of: retentionClass).filter { keepsAnywhere($0) }
            let locations = locations(keeping: retentionClass).map { location in
                LocationLevels(location: location, lifetime: lifetime(of: retentionClass, at: location)!, bases: bases.map { base in
                    let lifetime = lifetime(of: base, at: location)
                    let failed = failures.contains([retentionClass.rawValue, location.rawValue, base.rawValue])
                    return BaseClassCheck(retentionClass: base, lifetime: lifetime, outlives: lifetime != nil && !failed)
                })
            }
            return ClassLevels(retentionClass: retentionClass, baseClasses: bases, locations: locations)
        }
    }
}
