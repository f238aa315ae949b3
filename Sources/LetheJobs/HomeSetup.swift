import Foundation
import LetheCatalog
import LetheCore
import LetheCrypto
import LetheKeys
import LethePolicy

/// Creates a Lethe home: configuration, key directory with the first KEK, key store, catalog,
/// policy and local store.
public enum HomeSetup {
    /// What `init` is given.
    public struct Request: Sendable {
        public var home: URL
        public var source: URL
        /// The policy file; nil writes the built-in default policy into the home.
        public var policy: URL?
        /// The local store; nil uses `store/` in the home.
        public var store: URL?
        /// Extra key directories mirroring the primary one (`keys/` in the home).
        public var keyMirrors: [URL]
        public var offsite: OffsiteSettings?
        /// The recovery key for the sealed escrow, or nil for none.
        public var recovery: Recovery?
        /// The escrow directories (at least one with `recovery`).
        public var escrowDirectories: [URL]
        /// True to create the offsite bucket (with object lock when the policy locks) when it does not exist.
        public var createBucket: Bool
        /// The PostgreSQL source, or nil for a home of folders only.
        public var database: DatabaseRequest?

        public init(home: URL, source: URL, policy: URL? = nil, store: URL? = nil, keyMirrors: [URL] = [], offsite: OffsiteSettings? = nil,
                    recovery: Recovery? = nil, escrowDirectories: [URL] = [], createBucket: Bool = false, database: DatabaseRequest? = nil) {
            (self.home, self.source, self.policy, self.store) = (home, source, policy, store)
            (self.keyMirrors, self.offsite, self.recovery, self.escrowDirectories) = (keyMirrors, offsite, recovery, escrowDirectories)
            self.createBucket = createBucket
            self.database = database
        }
    }

    /// The PostgreSQL source `init` is given.
    public struct DatabaseRequest: Sendable {
        /// The database URL; it must hold no password.
        public var url: String
        /// The database map, copied into the home.
        public var map: URL
        /// A file holding the password, or nil for PGPASSWORD / ~/.pgpass.
        public var passwordFile: URL?

        /// Creates the request.
        public init(url: String, map: URL, passwordFile: URL? = nil) {
            (self.url, self.map, self.passwordFile) = (url, map, passwordFile)
        }
    }

    /// Where the recovery key pair comes from.
    public enum Recovery: Sendable {
        /// The operator's own public key (`--recovery-public-key FILE`).
        case publicKey(RecoveryPublicKey)
        /// A new pair; the private half is written once to this file (`--recovery-key-out FILE`).
        case generate(privateKeyFile: URL)

        /// The operator's own public key, from the text of its file.
        ///
        /// - Throws: `CryptoError.invalidRecoveryKey` (usage) if it is not a Lethe recovery public key.
        public static func fromPublicKeyText(_ text: String) throws -> Recovery {
            .publicKey(try RecoveryPublicKey(text: text))
        }
    }

    /// Creates the home, refusing to touch one that exists, atomically: the home is built in a
    /// staging folder beside it (``InitStaging``), the offsite store (if any) is checked with
    /// real requests, and only then is the folder renamed into place and the parent synced. A
    /// failure removes the staging folder and takes back what init created outside the home (a
    /// store or key folder, files added to folders that existed, a bucket: ``InitRollback``),
    /// never what was there before; a killed init leaves only the staging folder, which the next
    /// init removes.
    ///
    /// - Throws: `homeExists`; `invalidConfiguration` when the source is missing, the policy is
    ///   invalid, the offsite endpoint is plain http to a host other than this machine (without
    ///   `allowInsecureHTTP`), or the home or store lies inside the source tree (it would be
    ///   backed up, keys and all), an escrow directory lies there, or escrow directories and a
    ///   recovery key are not given together, or an escrow directory already serves a home;
    ///   `outputExists` if the private key file exists; `failed` (nothing created) when the offsite
    ///   store refuses the credentials, cannot be reached, has no such bucket (without
    ///   `createBucket`) or no object lock when the policy locks, or a file cannot be written.
    ///   A database (``Request/database``) is checked before anything is created
    ///   (``checkDatabase(_:)``): a URL with a password or an invalid map is a usage error, an
    ///   unreachable database `failed`.
    @discardableResult
    public static func create(_ request: Request, now: Date) throws -> Configuration {
        var warnings: [String] = []
        return try create(request, now: now, warnings: &warnings)
    }

    /// Creates the home as ``create(_:now:)`` does, adding to `warnings` what the operator should
    /// look at (the database check's: tables referencing mapped ones that are not in the map).
    public static func create(_ request: Request, now: Date, warnings: inout [String]) throws -> Configuration {
        let fileManager = FileManager.default
        let home = request.home.standardizedFileURL
        if fileManager.fileExists(atPath: home.appendingPathComponent(Home.configurationFile).path) {
            throw JobError.homeExists(home.path)
        }
        var isDirectory: ObjCBool = false
        let source = request.source.standardizedFileURL
        guard fileManager.fileExists(atPath: source.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw JobError.invalidConfiguration("the source root \(source.path) is not a folder: create it or point --source at the folder of customer folders")
        }
        let store = (request.store ?? home.appendingPathComponent("store")).standardizedFileURL
        let escrowDirectories = request.escrowDirectories.map(\.standardizedFileURL)
        if (request.recovery == nil) != escrowDirectories.isEmpty {
            throw JobError.invalidConfiguration("a sealed escrow needs both a recovery key (--recovery-public-key or --recovery-key-out) and at least one --escrow-dir")
        }
        for directory in escrowDirectories where EpochWitness.newest(in: directory) != nil {
            throw JobError.invalidConfiguration("the escrow directory \(directory.path) already serves a home (it holds newest-epoch): give each home its own escrow directory")
        }
        if case .generate(let file) = request.recovery, fileManager.fileExists(atPath: file.path) {
            throw JobError.outputExists(file.path)
        }
        for (name, url) in [("home", home), ("store", store)] + request.keyMirrors.map({ ("key directory", $0.standardizedFileURL) })
            + escrowDirectories.map({ ("escrow directory", $0) })
        where PathContainment.isInside(url, source) {
            throw JobError.invalidConfiguration("the \(name) \(url.path) is inside the source tree \(source.path): it would be backed up as a customer; put it elsewhere")
        }
        try request.offsite?.checkTransport(fix: OffsiteSettings.initTransportFix)
        let policy = try request.policy.map { try PolicyLoader.load(path: $0.path) }
        if request.offsite != nil, let policy, policy.tiers[.offsite] == nil {
            throw JobError.invalidConfiguration("an offsite store was given but the policy \(policy.sourceFile) keeps no offsite copies: add an offsite tier or drop the offsite settings")
        }
        try refuseOffsiteWithoutStore(policy, offsite: request.offsite)
        let databaseMap = try request.database.map { database in
            let (bytes, found) = try checkDatabase(database)
            warnings += found
            return bytes
        }

        if fileManager.fileExists(atPath: home.path),
           let contents = try? fileManager.contentsOfDirectory(atPath: home.path), !contents.isEmpty {
            throw JobError.homeExists(home.path)
        }
        let rollback = InitRollback()
        var staging: InitStaging?
        do {
            try rollback.prepare(home.deletingLastPathComponent())
            InitStaging.removeAbandoned(beside: home)
            let folder = try InitStaging(home: home)
            staging = folder
            let configuration = try build(request, in: folder, home: home, source: source, store: store, policy: policy,
                                          escrowDirectories: escrowDirectories, databaseMap: databaseMap, rollback: rollback, now: now)
            // Test seam: a killed init leaves its staging folder, never a half home at the target.
            TestCrashPoint.reached("init-before-rename")
            try folder.publish()
            return configuration
        } catch {
            staging?.discard()
            let left = rollback.rollBack()
            guard left.isEmpty else {
                throw JobError.failed("\(error); init could not take back \(left.joined(separator: ", ")): remove them by hand")
            }
            throw error
        }
    }

    /// Builds the home in the staging folder: store, keys, catalog, policy, `lethe.json`, then
    /// checks the offsite store. Everything outside the home it creates is remembered in `rollback`.
    private static func build(_ request: Request, in staging: InitStaging, home: URL, source: URL, store: URL, policy: Policy?,
                              escrowDirectories: [URL], databaseMap: [UInt8]?, rollback: InitRollback, now: Date) throws -> Configuration {
        if staging.staged(store) == store { try rollback.prepare(store) }
        for folder in request.keyMirrors.map(\.standardizedFileURL) + escrowDirectories where staging.staged(folder) == folder {
            try rollback.prepare(folder, ownEntries: true)
        }
        if case .generate(let file) = request.recovery, staging.staged(file) == file { rollback.created(file: file) }
        let escrow = try recoveryPublicKey(request.recovery.map { recovery in
            if case .generate(let file) = recovery { return .generate(privateKeyFile: staging.staged(file)) }
            return recovery
        }).map {
            SealedEscrow(recipient: $0, directories: escrowDirectories.map { EscrowDirectory(url: staging.staged($0)) })
        }
        do {
            try FileManager.default.createDirectory(at: staging.staged(store), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw JobError.failed("cannot create the store \(store.path): \(error.localizedDescription); nothing was created")
        }
        let policyPath = request.policy?.standardizedFileURL.path ?? home.appendingPathComponent("policy.yaml").path
        if request.policy == nil {
            let text = Array(DefaultPolicy.text(offsite: request.offsite != nil).utf8)
            try text.withUnsafeBytes { try DurableFile.write($0, to: staging.staged(URL(fileURLWithPath: policyPath)), mode: 0o600) }
        }
        let directories = [home.appendingPathComponent("keys")] + request.keyMirrors.map(\.standardizedFileURL)
        var database: DatabaseSettings?
        if let databaseMap, let requested = request.database {
            let map = home.appendingPathComponent(DatabaseSettings.mapFile)
            try databaseMap.withUnsafeBytes { try DurableFile.write($0, to: staging.staged(map), mode: 0o600) }
            database = DatabaseSettings(url: requested.url, map: map.path, passwordFile: requested.passwordFile?.standardizedFileURL.path)
        }
        var configuration = Configuration(source: source.path, store: store.path, policy: policyPath,
                                          keyDirectories: directories.map(\.path), offsite: request.offsite,
                                          recoveryPublicKey: escrow?.recipient.text, escrowDirectories: escrow.map { _ in escrowDirectories.map(\.path) })
        configuration.database = database
        do {
            let keys = try KeyStore.create(path: staging.url.appendingPathComponent(Home.keyStoreFile),
                                           directories: directories.map { KeyDirectory(url: staging.staged($0)) }, escrow: escrow)
            _ = try keys.signingKeyCreatingIfNeeded()
            let catalog = try Catalog(path: staging.url.appendingPathComponent(Home.catalogFile), create: true)
            try catalog.record(LedgerEvent(LedgerEvent.HomeCreated(
                policy: URL(fileURLWithPath: policyPath).lastPathComponent, keyDirectories: directories.count,
                offsite: request.offsite == nil ? "none" : "s3", escrowDirectories: escrowDirectories.count,
                recoveryKey: escrow?.recipient.fingerprint ?? "none"), at: now))
        }
        let stored = try LetheJSON.encoder.encode(configuration.stored(in: home))
        try stored.withUnsafeBytes { try DurableFile.write($0, to: staging.url.appendingPathComponent(Home.configurationFile), mode: 0o600) }
        if let offsite = request.offsite {
            let effective = try policy ?? PolicyLoader.parse(DefaultPolicy.text(offsite: true), file: policyPath)
            try checkOffsite(offsite, policy: effective, createBucket: request.createBucket, rollback: rollback)
        }
        return configuration
    }

    /// The recovery public key: the one given, or a new pair's, whose private half is written
    /// once (mode 0600) to the file named.
    private static func recoveryPublicKey(_ recovery: Recovery?) throws -> RecoveryPublicKey? {
        switch recovery {
        case nil: return nil
        case .publicKey(let key): return key
        case .generate(let file):
            let pair = RecoveryPrivateKey.generate()
            do {
                try pair.write(to: file)
            } catch {
                throw JobError.failed("cannot write the recovery private key to \(file.path) (\(error)): nothing was created")
            }
            return pair.publicKey
        }
    }
}
