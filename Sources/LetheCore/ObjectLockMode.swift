/// How an offsite store locks a copy until its delete-by date (S3 Object Lock): the one lock
/// mode of the policy (which asks for it), the S3 store (which sends it) and the in-memory double.
///
/// Written `governance` or `compliance` in a policy file; `none` there means no lock and is
/// represented as a nil mode. S3 spells it in capitals (`s3HeaderValue`).
public enum ObjectLockMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// Locked, but a user with the special permission can still remove the lock.
    case governance
    /// Locked for everyone, the account's root included, until retain-until.
    case compliance
}

extension ObjectLockMode {
    /// How S3 spells the mode in `x-amz-object-lock-mode`: `GOVERNANCE`, `COMPLIANCE`.
    public var s3HeaderValue: String { rawValue.uppercased() }
}
