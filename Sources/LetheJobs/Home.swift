import Foundation
import LetheCatalog
import LetheCore
import LetheKeys
import LethePolicy
import LetheStore

/// An open Lethe home: its configuration, key store, catalog, policy, stores and clock.
public final class Home: @unchecked Sendable {
    /// The home folder.
    public let url: URL
    public let configuration: Configuration
    public let keys: KeyStore
    public let catalog: Catalog
    public let policy: Policy
    public let localStore: any ObjectStore
    public let clock: any Clock
    public let log: EventLog

    static let configurationFile = "lethe.json"
    static let keyStoreFile = "keystore.sqlite"
    static let catalogFile = "catalog.sqlite"

    /// Opens the home at `url`.
    ///
    /// - Throws: `homeMissing` if there is no home there; `invalidConfiguration` for a bad config
    ///   or policy; key store and catalog errors if those files are unreadable.
    /// - Parameter localStore: replaces the configured local store (tests inject faults with it).
    public init(url: URL, clock: any Clock, log: EventLog, localStore: (any ObjectStore)? = nil) throws {
        let configURL = url.appendingPathComponent(Self.configurationFile)
        guard FileManager.default.fileExists(atPath: configURL.path) else { throw JobError.homeMissing(url.path) }
        guard let data = FileManager.default.contents(atPath: configURL.path) else {
            throw JobError.failed("cannot read \(configURL.path): check its permissions")
        }
        do {
            configuration = try JSONDecoder().decode(Configuration.self, from: data)
        } catch {
            throw JobError.invalidConfiguration("\(configURL.path) is not a valid Lethe configuration (\(error))")
        }
        self.url = url
        self.clock = clock
        self.log = log
        policy = try PolicyLoader.load(path: configuration.policy)
        keys = try KeyStore(path: url.appendingPathComponent(Self.keyStoreFile),
                            directories: configuration.keyDirectories.map { KeyDirectory(url: URL(fileURLWithPath: $0)) })
        catalog = try Catalog(path: url.appendingPathComponent(Self.catalogFile))
        self.localStore = localStore ?? LocalDirectoryStore(root: URL(fileURLWithPath: configuration.store))
    }

    /// The source root.
    public var sourceURL: URL { URL(fileURLWithPath: configuration.source) }

    /// Takes one of the home's locks ("run" for backups and expiry, "keys" for shred and rotation).
    public func lock(_ name: String) throws -> RunLock { try RunLock(home: url, name: name) }

    /// The store serving a location.
    public func store(for location: Location) throws -> any ObjectStore {
        switch location {
        case .local: return localStore
        case .offsite: throw JobError.invalidConfiguration("no offsite store is set up in this home")
        }
    }
}
