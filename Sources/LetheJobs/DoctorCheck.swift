/// One thing `lethe doctor` checked: its name, how it stands, what was found and, unless it is
/// ok, what to do.
public struct DoctorCheck: Encodable, Sendable, Equatable {
    /// How a check stands.
    public enum Status: String, Encodable, Sendable {
        /// As it must be.
        case ok
        /// Works, but something an operator should attend to (an old verification, no mirror).
        case warn
        /// Broken: the home cannot be trusted until it is fixed (`doctor` exits 1).
        case fail
    }

    /// The check's name (`configuration`, `key_directory`, `offsite_lock`, …: the list in
    /// docs/DESIGN.md, "lethe doctor").
    public var check: String
    /// How it stands.
    public var status: Status
    /// What was found: paths, epochs, dates; never a customer id.
    public var detail: String
    /// What to do (absent when ok, and when the detail is an error that says it itself).
    public var fix: String?

    static func ok(_ check: String, _ detail: String) -> DoctorCheck { DoctorCheck(check: check, status: .ok, detail: detail) }
    static func warn(_ check: String, _ detail: String, fix: String?) -> DoctorCheck {
        DoctorCheck(check: check, status: .warn, detail: detail, fix: fix)
    }
    static func fail(_ check: String, _ detail: String, fix: String?) -> DoctorCheck {
        DoctorCheck(check: check, status: .fail, detail: detail, fix: fix)
    }
}

/// What `lethe doctor` found: every check in order, and the counts (`--json` prints it).
public struct DoctorReport: Encodable, Sendable {
    /// The checks, in the order they ran.
    public let checks: [DoctorCheck]
    /// How many warned.
    public let warnings: Int
    /// How many failed.
    public let failures: Int
    /// True when none failed (`healthy`): `doctor` then exits 0.
    public let isHealthy: Bool

    enum CodingKeys: String, CodingKey { case checks, warnings, failures, isHealthy = "healthy" }

    /// The report of `checks`, counted.
    init(checks: [DoctorCheck]) {
        self.checks = checks
        warnings = checks.filter { $0.status == .warn }.count
        failures = checks.filter { $0.status == .fail }.count
        isHealthy = failures == 0
    }
}
