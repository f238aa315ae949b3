/// The retention class of a set, decided once when the set is written.
public enum RetentionClass: String, Sendable, Codable, CaseIterable, Comparable {
    case daily, weekly, monthly, yearly

    /// Ranks classes from the most frequent to the rarest.
    public var rank: Int { RetentionClass.allCases.firstIndex(of: self)! }
    public static func < (a: RetentionClass, b: RetentionClass) -> Bool { a.rank < b.rank }
}

/// Where a copy is stored.
public enum Location: String, Sendable, Codable, CaseIterable {
    case local, offsite
}

/// The life of one copy, as the catalog and reports show it.
public enum CopyState: String, Sendable, Codable, CaseIterable {
    /// Stored and readable; its delete-by has not passed.
    case live
    /// Planned but not yet stored (an offsite store that was down); the next run catches up.
    case pending
    /// Past its delete-by and still present: the expire run must delete it.
    case overdue
    /// Removed from its store; the catalog row stays as history.
    case deleted
    /// Its customer was crypto-shredded: unreadable everywhere.
    case shredded
}

/// The state of a whole set.
public enum SetState: String, Sendable, Codable {
    /// Being written; a set that stays here after its run died is cleaned up by the next run.
    case running
    /// Every customer committed.
    case complete
    /// Some customers failed; the rest are committed.
    case partial
    /// Nothing committed.
    case failed
}
