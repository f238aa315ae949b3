import ArgumentParser
import Foundation
import LetheCore
import LetheJobs

/// The exit codes of DESIGN.md, the same for every subcommand. The only place errors become codes.
enum ExitStatus {
    static let done: Int32 = 0
    static let failed: Int32 = 1
    static let partial: Int32 = 2
    static let integrity: Int32 = 3
    static let shredded: Int32 = 4
    static let notFound: Int32 = 5
    static let busy: Int32 = 6
    static let usage: Int32 = 64

    /// The code for a domain error (one that names its `FailureClass`), or nil for the argument
    /// parser's own errors and anything else.
    static func code(for error: Error) -> Int32? {
        (error as? any ClassifiedError).map { code(for: $0.failureClass) }
    }

    /// The exit status of each failure class.
    static func code(for failureClass: FailureClass) -> Int32 {
        switch failureClass {
        case .integrity: return integrity
        case .notFound: return notFound
        case .shredded: return shredded
        case .busy: return busy
        case .usage: return usage
        case .failed: return failed
        }
    }

    /// A backup's code: 1 when no customer was committed, 2 when some failed (or offsite copies
    /// were left pending, or the policy's offsite copies have no store to go to), 0 otherwise.
    static func code(for outcome: BackupOutcome) -> Int32 {
        if outcome.state == .failed { return failed }
        return outcome.problems > 0 ? partial : done
    }

    /// The status a command that ended with `result` exits with: 0 for success, else what
    /// `exit(with:)` exits with for its error (an `ExitCode`'s own, a domain error's class, or
    /// the argument parser's code for the rest).
    static func code(of result: Result<Void, any Error>) -> Int32 {
        guard case .failure(let error) = result else { return done }
        if let exit = error as? ExitCode { return exit.rawValue }
        return code(for: error) ?? Lethe.exitCode(for: error).rawValue
    }

    /// Prints the error as one line on standard error and exits with its code.
    static func exit(with error: Error) -> Never {
        if let code = code(for: error) {
            FileHandle.standardError.write(Data("lethe: \(error)\n".utf8))
            Foundation.exit(code)
        }
        Lethe.exit(withError: error)
    }
}
