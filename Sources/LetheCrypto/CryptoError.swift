import LetheCore

/// What can go wrong in LetheCrypto.
///
/// Authentication failures mean the bytes were altered, belong to something else, or the key
/// is wrong; the caller decides which of its own errors that becomes.
public enum CryptoError: Error, Equatable, CustomStringConvertible {
    /// Authenticated decryption of `what` failed: wrong key, or the bytes were altered.
    case authenticationFailed(what: String)
    /// Key material had the wrong length (keys are exactly 32 bytes).
    case invalidKeyLength(Int)
    /// An input of fixed size had the wrong length.
    case invalidLength(what: String, expected: Int, actual: Int)
    /// A secret stream was used after its final message.
    case streamFinished
    /// libsodium reported a failure where none was expected.
    case sodiumFailed(String)
    /// A key file could not be opened or read.
    case keyFileUnreadable(String, reason: String)
    /// A recovery key (public or private) that is not in Lethe's format.
    case invalidRecoveryKey(String)

    /// What happened and what to do, for people; never contains key bytes or customer ids.
    public var description: String {
        switch self {
        case .authenticationFailed(let what):
            return "\(what) failed authentication: the key is wrong or the bytes were altered; use the right key or another copy"
        case .invalidKeyLength(let count):
            return "a key must be exactly \(SecretKey.byteCount) bytes, not \(count): the key material is damaged or not a Lethe key"
        case .invalidLength(let what, let expected, let actual):
            return "\(what) must be \(expected) bytes, not \(actual): the data is damaged or not what Lethe wrote"
        case .streamFinished:
            return "the encrypted stream already ended with its final message: nothing more can be written or read"
        case .sodiumFailed(let call):
            return "libsodium failed in \(call): this is a bug or a broken libsodium installation"
        case .keyFileUnreadable(let path, let reason):
            return "the key file \(path) cannot be read (\(reason)): check that it exists and its permissions"
        case .invalidRecoveryKey(let why):
            return "not a Lethe recovery key (\(why)): pass the file `lethe init --recovery-key-out` wrote, or its public half"
        }
    }
}

extension CryptoError: ClassifiedError {
    /// The class of each case (the exit status the command line gives it).
    public var failureClass: FailureClass {
        switch self {
        case .invalidRecoveryKey: return .usage
        case .authenticationFailed, .invalidLength, .invalidKeyLength: return .integrity
        case .streamFinished, .sodiumFailed, .keyFileUnreadable: return .failed
        }
    }
}
