import ArgumentParser
import Foundation
import LetheCore
import LetheJobs
import LetheS3

/// Creates a home with an offsite store, and its bucket: what `lethe init --offsite-…` will do,
/// for benchmarks on a branch where those flags have not landed yet.
///
/// The home is made by `HomeSetup.create` with `OffsiteSettings`, exactly as `init` would; the
/// credentials are not stored: `lethe` reads them from the AWS environment variables when it
/// opens the home.
struct OffsiteHomeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "offsite-home",
        abstract: "Create a bucket and a Lethe home that copies offsite to it (benchmark set-up).")

    @Option(help: "The home to create.")
    var home: String

    @Option(help: "The source root (one folder per customer).")
    var source: String

    @Option(help: "The policy file (with an offsite tier).")
    var policy: String

    @Option(help: "The S3 endpoint.")
    var endpoint: String

    @Option(help: "The bucket (created if missing).")
    var bucket: String

    @Option(help: "Region.")
    var region = "us-east-1"

    @Flag(help: "Create the bucket with object lock (needed for a policy with object_lock).")
    var objectLock = false

    func run() throws {
        guard let url = URL(string: endpoint) else { throw ValidationError("--endpoint is not a URL") }
        let credentials = try S3Credentials.fromEnvironment()
        let store = S3ObjectStore(configuration: try S3Configuration(endpoint: url, region: region, bucket: bucket, addressing: .path,
                                                                     credentials: credentials))
        try store.createBucket(objectLock: objectLock)
        try HomeSetup.create(.init(home: URL(fileURLWithPath: home), source: URL(fileURLWithPath: source),
                                   policy: URL(fileURLWithPath: policy),
                                   offsite: OffsiteSettings(endpoint: endpoint, region: region, bucket: bucket, pathStyle: true)),
                             now: try SystemClock().now())
        print("home \(home) copies offsite to bucket \(bucket) at \(endpoint)")
    }
}
