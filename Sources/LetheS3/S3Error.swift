import Foundation
import LetheCore

/// What can go wrong setting up the S3 store (talking to it reports `ObjectStoreError`).
public enum S3Error: Error, Equatable, CustomStringConvertible {
    /// No credentials in the environment.
    case credentialsMissing(String)
    /// The shared credentials file could not be read.
    case credentialsFileUnreadable(path: String, reason: String)
    /// The profile is not in the credentials file, or lacks a key.
    case profileIncomplete(profile: String, path: String)
    /// A configuration value is out of range.
    case invalidConfiguration(String)
    /// Plain http to a host other than this machine, not explicitly allowed.
    case insecureEndpoint(String)

    public var description: String {
        switch self {
        case .credentialsMissing(let what):
            return "no S3 credentials: \(what); set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or use a credentials file"
        case .credentialsFileUnreadable(let path, let reason):
            return "cannot read the S3 credentials file \(path) (\(reason)): check the path and its permissions"
        case .profileIncomplete(let profile, let path):
            return "profile [\(profile)] in \(path) has no aws_access_key_id and aws_secret_access_key: add them or pick another profile (AWS_PROFILE)"
        case .invalidConfiguration(let why):
            return "invalid S3 configuration: \(why)"
        case .insecureEndpoint(let endpoint):
            return "the offsite endpoint \(endpoint) is plain http to a host other than this machine: its answers could be forged (a fake 404 would confirm a deletion, a fake Date would move lock checks) and credentials read on the way"
        }
    }
}

extension S3Error: ClassifiedError {
    /// Failed, as the command line has always reported these: the jobs wrap them as an invalid
    /// configuration (`JobError.invalidConfiguration`, usage) before they reach it.
    public var failureClass: FailureClass {
        switch self {
        case .credentialsMissing, .credentialsFileUnreadable, .profileIncomplete, .invalidConfiguration, .insecureEndpoint:
            return .failed
        }
    }
}
