import ArgumentParser
import Foundation
import LetheCatalog
import LetheCore
import LetheCrypto
import LetheFormat
import LetheJobs
import LetheKeys
import LethePolicy
import LetheTar

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

    /// The code for a domain error, or nil for the argument parser's own errors.
    static func code(for error: Error) -> Int32? {
        switch error {
        case let error as JobError:
            switch error {
            case .invalidConfiguration, .invalidEscrow, .invalidRequest: return usage
            case .unknownCustomer, .notFound, .neverBackedUp: return notFound
            case .busy: return busy
            case .customerShredded: return shredded
            case .integrity: return integrity
            case .homeMissing, .homeExists, .targetNotEmpty, .outputExists, .keysNotReady, .clockWentBack, .failed: return failed
            }
        case let error as KeyStoreError:
            switch error {
            case .customerShredded: return shredded
            case .unknownCustomer: return notFound
            case .unwrapFailed, .unknownExpiryKey, .storeDamaged, .olderThanWitnessed, .noWitness, .acceptedEpochMismatch, .sealedEscrowInvalid:
                return integrity
            case .storeBusy: return busy
            default: return failed
            }
        case let error as CatalogError:
            switch error {
            case .unavailable: return failed
            case .busy: return busy
            case .damaged, .invalidEvent: return integrity
            case .unknownSet, .noCopy: return notFound
            }
        case let error as ObjectStoreError:
            switch error {
            case .notFound: return notFound
            case .checksumMismatch: return integrity
            default: return failed
            }
        case let error as FormatError: return error.isIntegrityFailure ? integrity : failed
        case let error as TarError:
            switch error {
            case .unreadable, .fileChanged, .noSpace, .libarchive: return failed
            default: return integrity
            }
        case let error as CryptoError:
            switch error {
            case .invalidRecoveryKey: return usage
            case .authenticationFailed, .invalidLength, .invalidKeyLength: return integrity
            default: return failed
            }
        case is PolicyError, is ClockError: return usage
        case is DurableFileError: return failed
        default: return nil
        }
    }

    /// A backup's code: 1 when no customer was committed, 2 when some failed (or offsite copies
    /// were left pending), 0 otherwise.
    static func code(for outcome: BackupOutcome) -> Int32 {
        if outcome.state == .failed { return failed }
        return outcome.problems > 0 ? partial : done
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
