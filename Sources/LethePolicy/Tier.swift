import LetheCore

/// What one location keeps: a lifetime per retention class, and how copies there are locked.
public struct Tier: Sendable, Hashable {
    /// How long each kept class lives at this location; a class missing here gets no copy.
    public var lifetimes: [RetentionClass: CalendarDuration]
    /// The object-lock mode for copies at this location; nil means no lock.
    public var objectLock: ObjectLockMode?

    /// Creates a tier.
    public init(lifetimes: [RetentionClass: CalendarDuration], objectLock: ObjectLockMode? = nil) {
        self.lifetimes = lifetimes
        self.objectLock = objectLock
    }

    /// Whether this location keeps copies of `retentionClass`.
    public func keeps(_ retentionClass: RetentionClass) -> Bool { lifetimes[retentionClass] != nil }
}
