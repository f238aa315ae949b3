extension Policy {
    /// What is wrong when the policy keeps offsite copies and the home has no offsite store
    /// (none of them is ever made), with both ways out; nil when nothing is. The backup's outcome
    /// and the report say the same sentence.
    ///
    /// - Parameters:
    ///   - hasOffsiteStore: whether the home has an offsite store set up.
    ///   - configurationFile: the home's `lethe.json`, where one is set up.
    public func missingOffsiteStore(hasOffsiteStore: Bool, configurationFile: String) -> String? {
        guard tiers[.offsite] != nil, !hasOffsiteStore else { return nil }
        return "the policy \(sourceFile) keeps offsite copies but this home has no offsite store, so none is ever made: "
            + Self.offsiteStoreRemedy(configurationFile: configurationFile)
    }

    /// The two ways out of ``missingOffsiteStore(hasOffsiteStore:configurationFile:)``.
    public static func offsiteStoreRemedy(configurationFile: String) -> String {
        "add an \"offsite\" object to \(configurationFile) (endpoint, region, bucket, path_style: as `lethe init --offsite-endpoint … --offsite-bucket …` writes it), "
            + "or remove the offsite block from the policy to keep local copies only"
    }
}
