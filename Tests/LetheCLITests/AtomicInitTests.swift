import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LetheTestSupport
import Testing

/// `lethe init` is atomic: the home is built in a staging folder beside the target, the offsite
/// store is checked with real requests (the S3 test server, moto), and only then is the folder
/// renamed into place. A failed init leaves no home, takes back what it created outside the home
/// and keeps what was there before; a killed one leaves only a staging folder the next init removes.
@Suite struct AtomicInitTests {
    /// A folder with a source tree of one customer, and everything an init needs around it.
    final class Place {
        let root: TemporaryDirectory
        var source: URL { root.url.appendingPathComponent("source") }
        var home: URL { root.url.appendingPathComponent("home") }
        var environment = ["LETHE_NOW": "2026-11-01T00:00:00Z"]

        init() throws {
            root = try TemporaryDirectory(prefix: "lethe-init")
            let file = source.appendingPathComponent("alice/a.txt")
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data("alice".utf8).write(to: file)
        }

        /// Runs `lethe init --home HOME --source SOURCE arguments…` with `credentials` as the AWS variables.
        func initialise(_ arguments: [String], credentials: (String, String)? = nil) throws -> LetheProcess.Result {
            try LetheProcess.run(["init", "--home", home.path, "--source", source.path] + arguments, environment: environment(credentials))
        }

        /// The environment, with `credentials` as the AWS variables when given.
        func environment(_ credentials: (String, String)?) -> [String: String] {
            var environment = self.environment
            if let (id, secret) = credentials {
                environment["AWS_ACCESS_KEY_ID"] = id
                environment["AWS_SECRET_ACCESS_KEY"] = secret
            }
            return environment
        }

        /// The names in the root folder (the source, and whatever init left).
        func entries() throws -> Set<String> { Set(try FileManager.default.contentsOfDirectory(atPath: root.url.path)) }

        /// Runs `lethe arguments… --home HOME`.
        func lethe(_ arguments: [String], credentials: (String, String)? = nil) throws -> LetheProcess.Result {
            try LetheProcess.run(arguments + ["--home", home.path], environment: environment(credentials))
        }
    }

    /// The IAM-checking S3 test server and its valid key; skipped (an issue in CI) without it.
    static func authServer() throws -> (endpoint: String, id: String, secret: String) {
        let environment = ProcessInfo.processInfo.environment
        guard let endpoint = environment["LETHE_TEST_S3_AUTH_ENDPOINT"], !endpoint.isEmpty,
              let id = environment["LETHE_TEST_S3_AUTH_ACCESS_KEY"], let secret = environment["LETHE_TEST_S3_AUTH_SECRET"] else {
            if environment["CI"] != nil { Issue.record("LETHE_TEST_S3_AUTH_ENDPOINT must be set in CI: run the tests through scripts/s3-test-server.sh run") }
            try Test.cancel("LETHE_TEST_S3_AUTH_ENDPOINT is unset: skipped; run with scripts/s3-test-server.sh run swift test --filter AtomicInitTests")
        }
        return (endpoint, id, secret)
    }

    static func offsite(_ endpoint: String, bucket: String) -> [String] {
        ["--offsite-endpoint", endpoint, "--offsite-bucket", bucket, "--offsite-path-style"]
    }

    static func bucketName() -> String { "lethe-init-" + UUID().uuidString.lowercased().prefix(13) }

    /// A wrong secret (403 from the server): init exits 1 naming the refusal, and leaves no home,
    /// no staging folder and no store folder (one it created outside the home); the same init
    /// with the right secret then succeeds, with the bucket created and the home usable.
    @Test func wrongSecretLeavesNothingAndTheRightSecretThenSucceeds() throws {
        let server = try Self.authServer()
        let place = try Place()
        let store = place.root.url.appendingPathComponent("store-elsewhere")
        let arguments = ["--store", store.path, "--offsite-create-bucket"] + Self.offsite(server.endpoint, bucket: Self.bucketName())
        let before = try place.entries()

        let wrong = try place.initialise(arguments, credentials: (server.id, "not-the-secret"))
        #expect(wrong.status == 1, "stdout: \(wrong.stdout) stderr: \(wrong.stderr)")
        #expect(wrong.stderr.contains("refused access"), "\(wrong.stderr)")
        #expect(wrong.stderr.contains("nothing was created"), "\(wrong.stderr)")
        let left = try place.entries()
        #expect(left == before, "init left \(left.subtracting(before))")

        let right = try place.initialise(arguments, credentials: (server.id, server.secret))
        #expect(right.status == 0, "stdout: \(right.stdout) stderr: \(right.stderr)")
        #expect(try place.entries() == before.union(["home", "store-elsewhere"]))
        let backup = try place.lethe(["backup"], credentials: (server.id, server.secret))
        #expect(backup.status == 0, "stdout: \(backup.stdout) stderr: \(backup.stderr)")
        #expect(backup.stdout.contains("Offsite: 1 copied, 0 pending"), "\(backup.stdout)")
    }

    /// No credentials at all: a usage error (64) saying so, and nothing left behind.
    @Test func missingCredentialsExit64AndLeaveNothing() throws {
        let place = try Place()
        let before = try place.entries()
        let result = try place.initialise(Self.offsite("http://127.0.0.1:9", bucket: Self.bucketName()))
        #expect(result.status == 64, "stdout: \(result.stdout) stderr: \(result.stderr)")
        #expect(result.stderr.contains("AWS_ACCESS_KEY_ID"), "\(result.stderr)")
        #expect(try place.entries() == before)
    }

    /// A store folder and a key mirror that existed before a failed init are kept, with exactly
    /// what they held (init's KEK and tags in the mirror are taken back).
    @Test func foldersThatExistedBeforeAreKeptAsTheyWere() throws {
        let server = try Self.authServer()
        let place = try Place()
        let store = place.root.url.appendingPathComponent("store")
        let mirror = place.root.url.appendingPathComponent("mirror")
        for folder in [store, mirror] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data("mine".utf8).write(to: folder.appendingPathComponent("keep.txt"))
        }
        let before = try place.entries()
        let result = try place.initialise(["--store", store.path, "--key-mirror", mirror.path, "--offsite-create-bucket"]
                                          + Self.offsite(server.endpoint, bucket: Self.bucketName()), credentials: (server.id, "wrong"))
        #expect(result.status == 1, "\(result.stderr)")
        #expect(try place.entries() == before)
        for folder in [store, mirror] {
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["keep.txt"], "\(folder.lastPathComponent)")
            #expect(FileManager.default.contents(atPath: folder.appendingPathComponent("keep.txt").path) == Data("mine".utf8))
        }
    }

    /// A bucket that does not exist: refused (exit 1) with a message naming the bucket and
    /// `--offsite-create-bucket`, nothing left; with that flag it is created with object lock
    /// (the default policy locks offsite copies) and init succeeds, writing that default.
    @Test func aMissingBucketIsRefusedOrCreatedOnRequest() async throws {
        let endpoint = try OffsiteCLITests.s3Endpoint()
        let place = try Place()
        let bucket = Self.bucketName()
        let credentials = ("lethe-test", "lethe-test-secret")
        let before = try place.entries()
        let refused = try place.initialise(Self.offsite(endpoint, bucket: bucket), credentials: credentials)
        #expect(refused.status == 1, "\(refused.stderr)")
        #expect(refused.stderr.contains("bucket \(bucket)") && refused.stderr.contains("does not exist")
                && refused.stderr.contains("--offsite-create-bucket"), "\(refused.stderr)")
        #expect(try place.entries() == before)

        let created = try place.initialise(Self.offsite(endpoint, bucket: bucket) + ["--offsite-create-bucket"], credentials: credentials)
        #expect(created.status == 0, "\(created.stderr)")
        let lock = String(decoding: try await OffsiteCLITests.s3(endpoint, "GET", "/\(bucket)?object-lock"), as: UTF8.self)
        #expect(lock.contains("<ObjectLockEnabled>Enabled</ObjectLockEnabled>"), "\(lock)")
        let policy = try String(contentsOf: place.home.appendingPathComponent("policy.yaml"), encoding: .utf8)
        #expect(policy.contains("name: default") && policy.contains("offsite:"), "a home with an offsite store gets the default with offsite copies")
    }

    /// A bucket that exists without object lock while the policy locks offsite copies: refused
    /// (exit 1) naming object lock, and the bucket, which existed before, is kept.
    @Test func aBucketWithoutObjectLockIsRefusedAndKept() async throws {
        let endpoint = try OffsiteCLITests.s3Endpoint()
        let place = try Place()
        let bucket = Self.bucketName()
        _ = try await OffsiteCLITests.s3(endpoint, "PUT", "/\(bucket)")
        let before = try place.entries()
        let result = try place.initialise(Self.offsite(endpoint, bucket: bucket) + ["--offsite-create-bucket"],
                                          credentials: ("lethe-test", "lethe-test-secret"))
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("does not have object lock enabled"), "\(result.stderr)")
        #expect(try place.entries() == before)
        _ = try await OffsiteCLITests.s3(endpoint, "GET", "/\(bucket)?list-type=2")  // still there
    }

    /// Killed (SIGKILL) once the home is built, just before the rename: no home at the target,
    /// only the staging folder; the next init removes it and succeeds.
    @Test func aKilledInitLeavesNoHomeAndTheNextInitSucceeds() throws {
        let place = try Place()
        place.environment["LETHE_TEST_CRASH_AT"] = "init-before-rename"
        let killed = try place.initialise([])
        #expect(killed.status == 9, "killed by SIGKILL: \(killed.status) \(killed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: place.home.path))
        let left = try place.entries().subtracting(["source"])
        #expect(left.count == 1 && left.allSatisfy { $0.hasPrefix(".home.init-") }, "\(left)")

        place.environment["LETHE_TEST_CRASH_AT"] = nil
        let again = try place.initialise([])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try place.entries() == ["source", "home"])
        #expect(try place.lethe(["backup"]).status == 0)
    }
}
