/// How an offsite store locks a copy until its delete-by date (S3 Object Lock).
///
/// Written `governance` or `compliance` in a policy file; `none` there means no lock and is
/// represented as a nil mode.
public enum ObjectLockMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// Locked, but a user with the special permission can still remove the lock.
    case governance
    /// Locked for everyone, the account's root included, until retain-until.
    case compliance
}
