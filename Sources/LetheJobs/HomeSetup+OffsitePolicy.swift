import LethePolicy

extension HomeSetup {
    /// Refuses a policy that keeps offsite copies for a home given no offsite store: every one of
    /// those copies would silently never be made. Runs before anything is created.
    ///
    /// - Throws: `invalidConfiguration` (exit 64), saying both ways out.
    static func refuseOffsiteWithoutStore(_ policy: Policy?, offsite: OffsiteSettings?) throws {
        guard offsite == nil, let policy, policy.tiers[.offsite] != nil else { return }
        throw JobError.invalidConfiguration("the policy \(policy.sourceFile) keeps offsite copies but no offsite store was given, so they would never be made: give --offsite-endpoint and --offsite-bucket (credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or remove the offsite block from the policy to keep local copies only")
    }
}
