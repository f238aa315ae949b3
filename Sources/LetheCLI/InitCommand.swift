import ArgumentParser
import Foundation
import LetheCore
import LetheJobs

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Create a Lethe home.")

    @OptionGroup var options: HomeOptions

    @Option(help: "The source root: one folder per customer.")
    var source: String

    @Option(help: "The retention policy file (default: the built-in default policy, copied into the home).")
    var policy: String?

    @Option(help: "The local store folder (default: HOME/store).")
    var store: String?

    @Option(name: .customLong("key-mirror"), help: "A further key directory mirroring HOME/keys (repeatable).")
    var keyMirrors: [String] = []

    @Option(name: .customLong("recovery-public-key"),
            help: "Your recovery public key file (lethe-recovery-public-v1:…): every key-encryption key is sealed to it.")
    var recoveryPublicKey: String?

    @Option(name: .customLong("recovery-key-out"),
            help: "Generate a recovery key pair and write the private half here, once (refused if the file exists). Move it offline.")
    var recoveryKeyOut: String?

    @Option(name: .customLong("escrow-dir"),
            help: "A folder (another disk, a mounted vault) that keeps the current key-encryption key sealed to the recovery key (repeatable).")
    var escrowDirectories: [String] = []

    @OptionGroup(title: "Offsite store (S3-compatible)")
    var offsite: OffsiteOptions

    @OptionGroup(title: "PostgreSQL source")
    var database: DatabaseConnectionOptions

    @Option(name: .customLong("database-map"), help: "The database map (YAML): which rows belong to which customer; copied into the home.")
    var databaseMap: String?

    /// The PostgreSQL source the options name, or nil.
    private func databaseRequest() throws -> HomeSetup.DatabaseRequest? {
        switch (database.url, databaseMap) {
        case (nil, nil): return nil
        case let (url?, map?):
            return HomeSetup.DatabaseRequest(url: url, map: URL(fileURLWithPath: map), passwordFile: database.passwordFile.map { URL(fileURLWithPath: $0) })
        default: throw ValidationError("--database-url and --database-map go together")
        }
    }

    /// The recovery key the options name, or nil.
    private func recovery() throws -> HomeSetup.Recovery? {
        switch (recoveryPublicKey, recoveryKeyOut) {
        case (nil, nil): return nil
        case (let file?, nil):
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ValidationError("cannot read the recovery public key file \(file)")
            }
            return try .fromPublicKeyText(String(decoding: data, as: UTF8.self))
        case (nil, let file?): return .generate(privateKeyFile: URL(fileURLWithPath: file))
        default: throw ValidationError("--recovery-public-key and --recovery-key-out exclude each other: bring your own key or have one generated")
        }
    }

    func run() throws {
        let home = try options.homeURL()
        let clock = try SystemClock()
        var warnings: [String] = []
        let configuration = try HomeSetup.create(.init(home: home, source: URL(fileURLWithPath: source),
                                                       policy: policy.map { URL(fileURLWithPath: $0) },
                                                       store: store.map { URL(fileURLWithPath: $0) },
                                                       keyMirrors: keyMirrors.map { URL(fileURLWithPath: $0) },
                                                       offsite: try offsite.settings(), recovery: try recovery(),
                                                       escrowDirectories: escrowDirectories.map { URL(fileURLWithPath: $0) },
                                                       createBucket: offsite.createBucket, database: try databaseRequest()),
                                                 now: clock.now(), warnings: &warnings)
        for warning in warnings { FileHandle.standardError.write(Data("lethe: warning: \(warning)\n".utf8)) }
        if configuration.keyDirectories.count == 1 {
            FileHandle.standardError.write(Data("""
                lethe: warning: the only key directory is inside the home (\(configuration.keyDirectories[0])): a host backup of the home \
                would hold the keys as they were before any later shred. Add a key directory on another disk (--key-mirror), \
                and keep key directories out of host backups (each holds a CACHEDIR.TAG: restic and Borg --exclude-caches, GNU tar --exclude-caches-all).

                """.utf8))
        }
        if let recoveryKeyOut {
            FileHandle.standardError.write(Data("""
                lethe: WARNING: the recovery private key is in \(recoveryKeyOut): move it OFFLINE now (a safe, a vault, paper) and delete \
                this copy. With the sealed escrow it rebuilds lost key directories (`lethe keys recover --recovery-key FILE`).

                """.utf8))
        }
        if options.json {
            try Output.json(configuration)
        } else {
            print("Created Lethe home \(home.path)")
            print("  source  \(configuration.source)")
            print("  store   \(configuration.store)")
            print("  policy  \(configuration.policy)")
            print("  keys    \(configuration.keyDirectories.joined(separator: ", "))")
            if let offsite = configuration.offsite { print("  offsite \(offsite.endpoint) bucket \(offsite.bucket)") }
            if let database = configuration.database { print("  database \(database.url) (map \(database.map))") }
            if let escrow = configuration.escrowDirectories {
                print("  escrow  \(escrow.joined(separator: ", ")) (sealed to the recovery key; follows every rotation)")
            } else {
                print("No sealed escrow is set up (--recovery-key-out/--recovery-public-key with --escrow-dir): losing every key directory loses every backup.")
            }
        }
    }
}

/// The offsite store's settings on the command line. Credentials never go here: they come from
/// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) or a credentials file.
struct OffsiteOptions: ParsableArguments {
    @Option(name: .customLong("offsite-endpoint"), help: "The S3 endpoint URL, e.g. https://s3.eu-central-1.amazonaws.com.")
    var endpoint: String?

    @Option(name: .customLong("offsite-bucket"), help: "The bucket (with object lock enabled, if the policy locks).")
    var bucket: String?

    @Option(name: .customLong("offsite-region"), help: "The region (default us-east-1).")
    var region = "us-east-1"

    @Flag(name: .customLong("offsite-path-style"), help: "Path-style addressing (endpoint/bucket/key) instead of virtual hosts.")
    var pathStyle = false

    @Option(name: .customLong("offsite-credentials-file"), help: "An AWS credentials file (default: the AWS_* environment variables).")
    var credentialsFile: String?

    @Option(name: .customLong("offsite-profile"), help: "The profile in the credentials file.")
    var profile: String?

    @Flag(name: .customLong("offsite-create-bucket"), help: "Create the bucket (with object lock when the policy locks) if it does not exist; without it, a missing bucket fails init.")
    var createBucket = false

    @Flag(name: .customLong("offsite-allow-insecure-http"),
          help: "Accept a plain http endpoint that is not this machine (answers unauthenticated, credentials in clear). Without it, http is accepted only to 127.0.0.0/8, ::1 and localhost.")
    var allowInsecureHTTP = false

    /// The settings, or nil when no offsite store was named.
    func settings() throws -> OffsiteSettings? {
        switch (endpoint, bucket) {
        case (nil, nil):
            guard !createBucket else { throw ValidationError("--offsite-create-bucket needs --offsite-endpoint and --offsite-bucket") }
            guard !allowInsecureHTTP else { throw ValidationError("--offsite-allow-insecure-http needs --offsite-endpoint and --offsite-bucket") }
            return nil
        case let (endpoint?, bucket?):
            return OffsiteSettings(endpoint: endpoint, region: region, bucket: bucket, pathStyle: pathStyle,
                                   credentialsFile: credentialsFile, profile: profile, allowInsecureHTTP: allowInsecureHTTP)
        default:
            throw ValidationError("--offsite-endpoint and --offsite-bucket go together")
        }
    }
}
