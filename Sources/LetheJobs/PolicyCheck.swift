import LethePolicy

/// `lethe policy check`: a policy file loaded exactly as the jobs load it.
public enum PolicyCheck {
    /// What a valid policy file holds, as the check reports it.
    public struct Summary: Sendable {
        /// The policy's name.
        public var name: String
        /// Its time zone's name as the file writes it (`UTC`, not Foundation's "GMT").
        public var timeZone: String
        /// How backups write each class the policy keeps: in full or as differentials (``Policy/levels``).
        public var levels: [ClassLevels]

        /// The summary of a loaded policy.
        init(_ policy: Policy) { (name, timeZone, levels) = (policy.name, policy.timeZoneName, policy.levels) }
    }

    /// Loads and validates the policy file at `path`.
    ///
    /// - Throws: `PolicyError` (usage) with every problem found, by line.
    public static func check(path: String) throws -> Summary {
        Summary(try PolicyLoader.load(path: path))
    }
}
