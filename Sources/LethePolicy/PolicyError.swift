import LetheCore

/// Why a policy file could not be used.
public enum PolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read at all (missing, unreadable, not UTF-8).
    case unreadable(file: String, reason: String)
    /// The file was read but is not a valid policy; every problem found, in file order.
    case invalid([PolicyProblem])

    /// Every problem, one per entry (an unreadable file gives one without a line).
    public var problems: [PolicyProblem] {
        switch self {
        case .unreadable(let file, let reason):
            return [PolicyProblem(kind: .unreadable, file: file, line: nil,
                                  message: "cannot read the policy file (\(reason))",
                                  fix: "check the path and that the file is readable UTF-8 text")]
        case .invalid(let problems):
            return problems
        }
    }

    /// One problem per line: `file:line: message — fix`.
    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}

/// One thing wrong in a policy file or a database map: where, what, and how to fix it.
public struct PolicyProblem: Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem this is, for tools and tests; the message says it for people.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// The file could not be read.
        case unreadable
        /// The text is not YAML (or holds several documents).
        case notYAML
        /// A key appears twice in the same mapping.
        case duplicateKey
        /// A value has the wrong shape (a list where a mapping belongs, an empty name).
        case wrongShape
        /// A key that is not part of the format.
        case unknownKey
        /// A required key is missing.
        case missingKey
        /// A duration is not `Nd`, `Nw`, `Nm` or `Ny`.
        case badDuration
        /// The time zone is not a known IANA name.
        case unknownTimeZone
        /// A class may live longer than `max_age`.
        case outlivesMaxAge
        /// `object_lock` is missing where required, has a bad value, or is where it cannot apply.
        case badObjectLock
        /// A location keeps no class at all.
        case emptyLocation
        /// A database map's table name is not a (schema-qualified) SQL identifier, or the table
        /// does not exist in the database.
        case badTable
        /// A database map's condition lacks `$1`, uses another parameter, or does not compile.
        case badCondition
        /// A database map's `customers` query is empty or does not compile.
        case badCustomersQuery
    }

    /// The kind of problem.
    public var kind: Kind
    /// The policy file (or database map), as given to the loader.
    public var file: String
    /// The 1-based line the problem is on; nil when it concerns the whole file.
    public var line: Int?
    /// What is wrong.
    public var message: String
    /// What to do about it.
    public var fix: String

    /// Creates a problem.
    public init(kind: Kind, file: String, line: Int?, message: String, fix: String) {
        (self.kind, self.file, self.line, self.message, self.fix) = (kind, file, line, message, fix)
    }

    /// `file:line: message — fix` (`file: message — fix` without a line).
    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        return "\(place): \(message) — \(fix)"
    }
}

extension PolicyError: ClassifiedError {
    /// A policy that cannot be read or is invalid is a usage error.
    public var failureClass: FailureClass {
        switch self {
        case .unreadable, .invalid: return .usage
        }
    }
}
