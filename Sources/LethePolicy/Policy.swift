import Foundation
import LetheCore

/// A retention policy: per location, how long each class of set lives, and a hard cap.
///
/// Policies are YAML files in `policies/`, read by ``PolicyLoader``:
///
/// ```yaml
/// name: default            # a label shown in plans and reports
/// timezone: UTC            # IANA name; days, weeks and months are counted in this zone
/// max_age: 190d            # hard cap: no copy outlives this
/// local:   { daily: 7d, weekly: 5w, monthly: 6m }
/// offsite: { weekly: 5w, monthly: 6m, object_lock: governance }
/// ```
///
/// - `name`, `timezone`, `max_age` and `local` are required; `offsite` is optional.
/// - Durations are `Nd` (days), `Nw` (weeks), `Nm` (calendar months), `Ny` (calendar years),
///   with `N` a positive integer.
/// - A location lists some of the classes `daily`, `weekly`, `monthly`, `yearly`; a class it
///   does not list gets no copy there. No class may live longer than `max_age`.
/// - `offsite` must say `object_lock: governance`, `compliance` or `none` (explicitly).
///   `local` takes no `object_lock`: a local directory cannot lock.
///
/// A set's class is decided when it is written (``SetClassifier``); each copy's delete-by is
/// decided then too (``deleteBy(created:class:location:)``) and never moves afterwards.
public struct Policy: Sendable, Hashable {
    /// The policy's label (`name:`).
    public var name: String
    /// The zone in which calendar days, ISO weeks, months and years are counted.
    public var timeZone: TimeZone
    /// The zone's IANA name as the policy file writes it (`UTC` stays `UTC`, where Foundation
    /// calls that zone "GMT"); shown in plans, reports and `policy check`.
    public var timeZoneName: String
    /// The hard cap: no copy's delete-by is later than the start of (its creation day + this).
    public var maxAge: CalendarDuration
    /// What each location keeps; `local` is always present, `offsite` when the policy has one.
    public var tiers: [Location: Tier]
    /// The file the policy was read from, as given to the loader (shown in reasons).
    public var sourceFile: String

    /// Creates a policy directly (tests, tools); ``PolicyLoader`` is the validated way in.
    ///
    /// - Parameter timeZoneName: the zone's name as written; nil: its identifier, with
    ///   Foundation's "GMT" for UTC named "UTC".
    public init(name: String, timeZone: TimeZone, timeZoneName: String? = nil, maxAge: CalendarDuration,
                tiers: [Location: Tier], sourceFile: String) {
        self.name = name
        self.timeZone = timeZone
        self.timeZoneName = timeZoneName ?? (timeZone.identifier == "GMT" ? "UTC" : timeZone.identifier)
        self.maxAge = maxAge
        self.tiers = tiers
        self.sourceFile = sourceFile
    }

    /// How long `retentionClass` lives at `location`, or nil if that location keeps none.
    public func lifetime(of retentionClass: RetentionClass, at location: Location) -> CalendarDuration? {
        tiers[location]?.lifetimes[retentionClass]
    }

    /// Whether any location keeps copies of `retentionClass`.
    public func keepsAnywhere(_ retentionClass: RetentionClass) -> Bool {
        tiers.values.contains { $0.keeps(retentionClass) }
    }

    /// The locations that keep a copy of a set of `retentionClass`, in a fixed order.
    public func locations(keeping retentionClass: RetentionClass) -> [Location] {
        Location.allCases.filter { tiers[$0]?.keeps(retentionClass) == true }
    }

    /// A Gregorian calendar in the policy's time zone.
    public var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }
}
