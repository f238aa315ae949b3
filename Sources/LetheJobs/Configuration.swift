import Foundation
import LetheCore
import LetheCrypto
import LetheKeys
import LetheS3

/// A Lethe home's settings, kept as `lethe.json` in the home. Never holds a secret.
///
/// Written with ``LetheJSON`` (snake_case keys, version 3) and read with ``LetheJSON/decoder``,
/// which reads every key in its snake_case spelling: a version 1 file, written before Lethe's
/// one JSON convention with camelCase keys (`keyDirectories`, `pathStyle`, …), reads the same.
///
/// Since version 3 a path inside the home is written relative to the home (`store`,
/// `policy.yaml`, `keys`), so a home that is moved or copied keeps working where it lands;
/// paths outside it stay absolute. Versions 1 and 2 hold absolute paths only, and read as
/// before. ``stored(in:)`` turns a configuration into the file's form, ``resolved(in:)`` back.
public struct Configuration: Codable, Sendable, Equatable {
    /// Format version of this file: 3 since paths inside the home are relative to it (2 had
    /// snake_case keys and absolute paths, 1 camelCase keys; both still read).
    public var version: Int = Self.currentVersion
    /// The version `init` writes; a newer one is refused (written by a newer Lethe).
    public static let currentVersion = 3
    /// The source root: one folder per customer.
    public var source: String
    /// The local store's folder.
    public var store: String
    /// The retention policy file.
    public var policy: String
    /// Key directories: the primary first, then mirrors.
    public var keyDirectories: [String]
    /// The offsite store, if one is set up.
    public var offsite: OffsiteSettings?
    /// The recovery public key every KEK is sealed to (`lethe-recovery-public-v1:…`), or nil
    /// when no sealed escrow is set up. Its private half is never here.
    public var recoveryPublicKey: String?
    /// The escrow directories the sealed KEK is written to (absent without a sealed escrow).
    public var escrowDirectories: [String]?
    /// Where `nightly` writes its Prometheus metrics (`metrics_file`; relative to the home unless
    /// absolute), or nil; `nightly --metrics-file` overrides it. Absent unless set by hand.
    public var metricsFile: String?
    /// True to back up every customer without the files and folders that cannot be read, as
    /// `--skip-unreadable` does for one run (absent: a file that cannot be read fails its customer).
    public var skipUnreadable: Bool?
    /// The PostgreSQL source (`lethe init --database-url … --database-map …`), or nil: a home of
    /// folders only.
    public var database: DatabaseSettings?

    public init(source: String, store: String, policy: String, keyDirectories: [String], offsite: OffsiteSettings? = nil,
                recoveryPublicKey: String? = nil, escrowDirectories: [String]? = nil) {
        self.source = source
        self.store = store
        self.policy = policy
        self.keyDirectories = keyDirectories
        self.offsite = offsite
        self.recoveryPublicKey = recoveryPublicKey
        self.escrowDirectories = escrowDirectories
    }

    enum CodingKeys: String, CodingKey {
        case version, source, store, policy, keyDirectories = "key_directories", offsite
        case recoveryPublicKey = "recovery_public_key", escrowDirectories = "escrow_directories"
        case metricsFile = "metrics_file"
        case skipUnreadable = "skip_unreadable"
        case database
    }

    /// This configuration as `lethe.json` holds it: every path inside `home` relative to it,
    /// the others absolute, and the current version.
    func stored(in home: URL) -> Configuration {
        let root = home.standardizedFileURL.path
        func relative(_ path: String) -> String {
            let standard = URL(fileURLWithPath: path).standardizedFileURL.path
            return standard.hasPrefix(root + "/") ? String(standard.dropFirst(root.count + 1)) : standard
        }
        var stored = mapPaths(relative)
        stored.version = Self.currentVersion
        return stored
    }

    /// This configuration with every path absolute: a relative one (version 3) is taken
    /// relative to `home`, where the file was found; an absolute one is kept.
    public func resolved(in home: URL) -> Configuration {
        mapPaths { path in
            path.hasPrefix("/") ? path : home.appendingPathComponent(path).standardizedFileURL.path
        }
    }

    /// The configuration with `transform` applied to every path of a file or folder.
    private func mapPaths(_ transform: (String) -> String) -> Configuration {
        var mapped = self
        mapped.source = transform(source)
        mapped.store = transform(store)
        mapped.policy = transform(policy)
        mapped.keyDirectories = keyDirectories.map(transform)
        mapped.escrowDirectories = escrowDirectories?.map(transform)
        mapped.metricsFile = metricsFile.map(transform)
        if let file = offsite?.credentialsFile { mapped.offsite?.credentialsFile = transform(file) }
        if let map = database?.map { mapped.database?.map = transform(map) }
        if let file = database?.passwordFile { mapped.database?.passwordFile = transform(file) }
        return mapped
    }

    /// The key directories, the primary first.
    var keyDirectoryList: [KeyDirectory] { keyDirectories.map { KeyDirectory(url: URL(fileURLWithPath: $0)) } }

    /// The sealed escrow set-up, or nil when none is configured.
    ///
    /// - Throws: `invalidConfiguration` if the recovery public key is not one.
    func sealedEscrow() throws -> SealedEscrow? {
        guard let text = recoveryPublicKey else { return nil }
        do {
            return SealedEscrow(recipient: try RecoveryPublicKey(text: text),
                                directories: (escrowDirectories ?? []).map { EscrowDirectory(url: URL(fileURLWithPath: $0)) })
        } catch {
            throw JobError.invalidConfiguration("the recovery public key in lethe.json is not valid (\(error))")
        }
    }
}

/// Where offsite copies go. Credentials come from the environment or a credentials file, never from here.
public struct OffsiteSettings: Codable, Sendable, Equatable {
    /// The S3 endpoint, e.g. "https://s3.eu-central-1.amazonaws.com" or "http://127.0.0.1:9000".
    public var endpoint: String
    public var region: String
    public var bucket: String
    /// Path-style addressing (`endpoint/bucket/key`) rather than virtual-host style.
    public var pathStyle: Bool
    /// A credentials file (AWS INI format) and profile; nil reads the usual AWS environment variables.
    public var credentialsFile: String?
    public var profile: String?
    /// True to accept a plain-http endpoint that is not this machine (`init
    /// --offsite-allow-insecure-http`); absent otherwise. Plain http is accepted only to
    /// loopback without it: the store's answers are otherwise unauthenticated.
    public var allowInsecureHTTP: Bool?

    enum CodingKeys: String, CodingKey {
        case endpoint, region, bucket, pathStyle = "path_style", credentialsFile = "credentials_file", profile
        case allowInsecureHTTP = "allow_insecure_http"
    }

    public init(endpoint: String, region: String, bucket: String, pathStyle: Bool, credentialsFile: String? = nil, profile: String? = nil,
                allowInsecureHTTP: Bool = false) {
        self.endpoint = endpoint
        self.region = region
        self.bucket = bucket
        self.pathStyle = pathStyle
        self.credentialsFile = credentialsFile
        self.profile = profile
        self.allowInsecureHTTP = allowInsecureHTTP ? true : nil
    }

    /// Refuses plain http to a host other than this machine unless `allowInsecureHTTP`.
    ///
    /// - Parameter fix: what the operator can do about it, appended to the message.
    /// - Throws: `JobError.invalidConfiguration` (exit 64) naming the endpoint and the fix.
    func checkTransport(fix: String) throws {
        guard let url = URL(string: endpoint) else {
            throw JobError.invalidConfiguration("the offsite endpoint '\(endpoint)' is not a URL")
        }
        do {
            try S3Configuration.checkTransport(url, allowInsecureHTTP: allowInsecureHTTP == true)
        } catch let error as S3Error {
            throw JobError.invalidConfiguration("\(error); \(fix)")
        }
    }

    /// The fix `init` names for an insecure endpoint.
    static let initTransportFix = "use https, or pass --offsite-allow-insecure-http to accept plain http knowingly"
}
