import Foundation
import LetheCatalog
import LetheCore
import LetheKeys
import LethePolicy
import LetheS3
import LetheStore

/// An open Lethe home: its configuration, key store, catalog, policy, stores and clock.
public final class Home: @unchecked Sendable {
    /// The home folder.
    public let url: URL
    public let configuration: Configuration
    public let keys: KeyStore
    public let catalog: Catalog
    /// The retention policy.
    ///
    /// - Throws: the `PolicyError` that made it invalid, when the home was opened with
    ///   `requiringPolicy: false` (a home opened requiring it has a valid one).
    public var policy: Policy {
        get throws { try loadedPolicy.get() }
    }
    /// The policy as loaded, or why it could not be.
    private let loadedPolicy: Result<Policy, any Error>
    public let localStore: any ObjectStore
    /// The offsite store once built: the injected one, or the configured S3 store, made on
    /// first use so that commands that never go offsite need no credentials.
    private var offsite: (any ObjectStore)?
    private let offsiteLock = NSLock()
    /// Set by the first offsite request of this run that finds the store unavailable (its own
    /// retries spent): later offsite work in the run is skipped rather than waiting as long again.
    let offsiteDown = StoreDownFlag()
    public let clock: any Clock
    public let log: EventLog

    static let configurationFile = "lethe.json"
    static let keyStoreFile = "keystore.sqlite"
    static let catalogFile = "catalog.sqlite"

    /// Opens the home at `url`.
    ///
    /// - Throws: `homeMissing` if there is no home there; `invalidConfiguration` for a bad config
    ///   or policy; key store and catalog errors if those files are unreadable.
    /// - Parameters:
    ///   - localStore: replaces the configured local store (tests inject faults with it).
    ///   - offsiteStore: replaces the configured offsite store.
    ///   - requiringPolicy: false for commands that plan no retention and write no copies
    ///     (restore, export, list, verify, keys status): an invalid policy then only logs the
    ///     `policy.invalid` warning instead of refusing, so one bad edit never blocks recovery.
    public init(url: URL, clock: any Clock, log: EventLog, localStore: (any ObjectStore)? = nil,
                offsiteStore: (any ObjectStore)? = nil, requiringPolicy: Bool = true) throws {
        configuration = try Self.configuration(of: url)
        self.url = url
        self.clock = clock
        self.log = log
        let policyFile = configuration.policy
        loadedPolicy = Result { try PolicyLoader.load(path: policyFile) }
        if case .failure(let error) = loadedPolicy {
            guard !requiringPolicy else { throw error }
            log.warning("policy.invalid", ["file": policyFile, "reason": "\(error)",
                                           "fix": "run `lethe policy check \(policyFile)` to see what is wrong; backup, expire and report refuse until it is fixed"])
        }
        keys = try KeyStore(path: url.appendingPathComponent(Self.keyStoreFile), directories: configuration.keyDirectoryList,
                            escrow: try configuration.sealedEscrow())
        catalog = try Catalog(path: url.appendingPathComponent(Self.catalogFile))
        self.localStore = localStore ?? LocalDirectoryStore(root: URL(fileURLWithPath: configuration.store))
        offsite = offsiteStore
    }

    /// Reads the configuration of the home at `url` without opening anything else, every path
    /// made absolute (those inside the home are stored relative to it: a moved home works).
    ///
    /// - Throws: `homeMissing` if there is no home there; `invalidConfiguration` for a bad file.
    static func configuration(of url: URL) throws -> Configuration {
        let configURL = url.appendingPathComponent(configurationFile)
        guard FileManager.default.fileExists(atPath: configURL.path) else { throw JobError.homeMissing(url.path) }
        guard let data = FileManager.default.contents(atPath: configURL.path) else {
            throw JobError.failed("cannot read \(configURL.path): check its permissions")
        }
        let stored: Configuration
        do {
            stored = try LetheJSON.decoder.decode(Configuration.self, from: data)
        } catch {
            throw JobError.invalidConfiguration("\(configURL.path) is not a valid Lethe configuration (\(error))")
        }
        guard stored.version <= Configuration.currentVersion else {
            throw JobError.invalidConfiguration("\(configURL.path) is version \(stored.version), written by a newer Lethe than this one (which reads up to \(Configuration.currentVersion)): run the newer lethe")
        }
        return stored.resolved(in: url.standardizedFileURL)
    }

    /// The source root.
    public var sourceURL: URL { URL(fileURLWithPath: configuration.source) }

    /// Takes one of the home's locks ("run" for backups and expiry, "keys" for shred and rotation).
    public func lock(_ name: String) throws -> RunLock { try RunLock(home: url, name: name) }

    /// The store serving a location.
    public func store(for location: Location) throws -> any ObjectStore {
        switch location {
        case .local: return localStore
        case .offsite:
            return try offsiteLock.withLock {
                if let offsite { return offsite }
                guard let settings = configuration.offsite else {
                    throw JobError.invalidConfiguration("no offsite store is set up in this home: add one with `lethe init --offsite-…` settings")
                }
                try checkOffsiteTransport()
                let store = try Self.makeOffsiteStore(settings, lockMode: (try? loadedPolicy.get())?.tiers[.offsite]?.objectLock)
                offsite = store
                return store
            }
        }
    }

    /// Refuses offsite work when the configured endpoint is plain http to a host other than this
    /// machine and the home does not say `allow_insecure_http` (exit 64, naming the setting).
    public func checkOffsiteTransport() throws {
        try configuration.offsite?.checkTransport(fix: "use https, or add \"allow_insecure_http\": true to \"offsite\" in "
            + "\(url.appendingPathComponent(Self.configurationFile).path) to accept plain http knowingly")
    }

    /// True when the policy keeps offsite copies and an offsite store is set up.
    public var copiesOffsite: Bool { offsiteConfigured && (try? loadedPolicy.get())?.tiers[.offsite] != nil }

    /// True when an offsite store is set up (or injected).
    public var offsiteConfigured: Bool { offsiteLock.withLock { offsite != nil } || configuration.offsite != nil }

    /// The S3 store of the settings, with credentials from the environment or the named file.
    static func makeOffsiteStore(_ settings: OffsiteSettings, lockMode: ObjectLockMode?) throws -> S3ObjectStore {
        do {
            let credentials = settings.credentialsFile != nil || settings.profile != nil
                ? try S3Credentials.fromFile(path: settings.credentialsFile, profile: settings.profile)
                : try S3Credentials.fromEnvironment()
            guard let endpoint = URL(string: settings.endpoint) else {
                throw JobError.invalidConfiguration("the offsite endpoint '\(settings.endpoint)' is not a URL")
            }
            let configuration = try S3Configuration(endpoint: endpoint, region: settings.region, bucket: settings.bucket,
                                                    addressing: settings.pathStyle ? .path : .virtualHost,
                                                    credentials: credentials,
                                                    lockMode: lockMode,
                                                    allowInsecureHTTP: settings.allowInsecureHTTP == true)
            return S3ObjectStore(configuration: configuration)
        } catch let error as S3Error {
            throw JobError.invalidConfiguration("offsite store: \(error)")
        }
    }
}
