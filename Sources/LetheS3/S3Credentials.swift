import Foundation

/// The keys that sign requests to an S3 store; never kept in Lethe's configuration.
///
/// `description` shows the access key id only, so that interpolating credentials into a
/// message or a log cannot leak the secret.
public struct S3Credentials: Sendable, Equatable, CustomStringConvertible {
    /// The access key id ("AKIA...").
    public var accessKeyID: String
    /// The secret access key.
    public var secretAccessKey: String
    /// The session token of temporary credentials, if any.
    public var sessionToken: String?

    /// Credentials given directly (tests, or a caller that read them elsewhere).
    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public var description: String { "S3Credentials(\(accessKeyID), secret redacted)" }

    /// Reads `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and optionally `AWS_SESSION_TOKEN`.
    ///
    /// - Throws: `S3Error.credentialsMissing` if either key is unset or empty.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> S3Credentials {
        guard let id = environment["AWS_ACCESS_KEY_ID"], !id.isEmpty else {
            throw S3Error.credentialsMissing("AWS_ACCESS_KEY_ID is not set")
        }
        guard let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else {
            throw S3Error.credentialsMissing("AWS_SECRET_ACCESS_KEY is not set")
        }
        let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return S3Credentials(accessKeyID: id, secretAccessKey: secret, sessionToken: token)
    }

    /// Reads a profile from a shared credentials file (`~/.aws/credentials` INI format).
    ///
    /// - Parameters:
    ///   - path: the file; by default `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`.
    ///   - profile: the section; by default `AWS_PROFILE`, else `default`.
    /// - Throws: `S3Error.credentialsFileUnreadable` or `S3Error.profileIncomplete`.
    public static func fromFile(path: String? = nil, profile: String? = nil,
                                environment: [String: String] = ProcessInfo.processInfo.environment) throws -> S3Credentials {
        let file = path ?? environment["AWS_SHARED_CREDENTIALS_FILE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.aws/credentials"
        let section = profile ?? environment["AWS_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw S3Error.credentialsFileUnreadable(path: file, reason: (error as NSError).localizedDescription)
        }
        var current: String?
        var values: [String: String] = [:]
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                var name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                if name.hasPrefix("profile ") { name = String(name.dropFirst("profile ".count)).trimmingCharacters(in: .whitespaces) }
                current = name
                continue
            }
            guard current == section, let equals = line.firstIndex(of: "=") else { continue }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            values[name] = value
        }
        guard let id = values["aws_access_key_id"], !id.isEmpty,
              let secret = values["aws_secret_access_key"], !secret.isEmpty else {
            throw S3Error.profileIncomplete(profile: section, path: file)
        }
        let token = values["aws_session_token"].flatMap { $0.isEmpty ? nil : $0 }
        return S3Credentials(accessKeyID: id, secretAccessKey: secret, sessionToken: token)
    }
}
