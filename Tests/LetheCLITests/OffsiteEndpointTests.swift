import Foundation
import LetheTestSupport
import Testing

/// Plain http only to loopback: anywhere else responses are unauthenticated (a forged 404
/// "confirms" a deletion, a forged `Date` moves lock checks) and session tokens travel in clear.
/// `init` refuses such an endpoint (exit 64) unless `--offsite-allow-insecure-http` is given,
/// which the home's configuration records; a home edited to such an endpoint refuses offsite
/// work (exit 64), naming the setting to add.
@Suite struct OffsiteEndpointTests {
    /// Runs `lethe init` with an offsite endpoint in a fresh folder.
    static func initHome(_ endpoint: String, _ extra: [String] = []) throws -> (LetheProcess.Result, URL, TemporaryDirectory) {
        let root = try TemporaryDirectory(prefix: "lethe-cli-endpoint")
        let source = root.url.appendingPathComponent("source")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        let home = root.url.appendingPathComponent("home")
        let result = try LetheProcess.run(["init", "--home", home.path, "--source", source.path,
                                           "--offsite-endpoint", endpoint, "--offsite-bucket", "lethe"] + extra,
                                          environment: ["LETHE_NOW": "2026-11-01T00:00:00Z"])
        return (result, home, root)
    }

    @Test(arguments: ["http://example.com", "http://10.0.0.5:9000", "http://127.0.0.1.example.com", "http://localhost.example.com:9000"])
    func plainHTTPToAnyOtherHostIsRefusedAtInit(_ endpoint: String) throws {
        let (result, home, root) = try Self.initHome(endpoint)
        defer { withExtendedLifetime(root) {} }
        #expect(result.status == 64, "stdout: \(result.stdout) stderr: \(result.stderr)")
        #expect(result.stderr.contains("--offsite-allow-insecure-http"))
        #expect(result.stderr.contains("https"))
        #expect(!FileManager.default.fileExists(atPath: home.appendingPathComponent("lethe.json").path), "a refused init left a home")
    }

    /// The transport is accepted: init goes on to check the store itself, which (with no
    /// credentials in the environment) it refuses for that reason, never for the endpoint.
    @Test(arguments: ["http://127.0.0.1:9", "http://127.1.2.3:9000", "http://[::1]:9000", "http://localhost:9000", "https://s3.example.com"])
    func loopbackOrHTTPSIsAccepted(_ endpoint: String) throws {
        let (result, _, root) = try Self.initHome(endpoint)
        defer { withExtendedLifetime(root) {} }
        #expect(!result.stderr.contains("--offsite-allow-insecure-http"), "stderr: \(result.stderr)")
        #expect(result.stderr.contains("AWS_ACCESS_KEY_ID"), "refused for the missing credentials: \(result.stderr)")
    }

    /// With the flag, plain http elsewhere passes the transport check (init then checks the store,
    /// here refused for the missing credentials); that the home records the setting is pinned by
    /// `ConfigurationMigrationTests` (`allow_insecure_http`) and `anExistingHomeWithSuchAnEndpointRefusesOffsiteWork`.
    @Test func theFlagAcceptsPlainHTTP() throws {
        let (result, _, root) = try Self.initHome("http://example.com", ["--offsite-allow-insecure-http"])
        defer { withExtendedLifetime(root) {} }
        #expect(!result.stderr.contains("--offsite-allow-insecure-http"), "stderr: \(result.stderr)")
        #expect(result.stderr.contains("AWS_ACCESS_KEY_ID"), "refused for the missing credentials: \(result.stderr)")
    }

    /// On the real S3 test server (loopback), init with the flag records it in the home.
    @Test func theFlagIsRecordedInTheHome() throws {
        let endpoint = try OffsiteCLITests.s3Endpoint()
        let root = try TemporaryDirectory(prefix: "lethe-cli-endpoint")
        let source = root.url.appendingPathComponent("source")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        let home = root.url.appendingPathComponent("home")
        let result = try LetheProcess.run(["init", "--home", home.path, "--source", source.path, "--offsite-endpoint", endpoint,
                                           "--offsite-bucket", "lethe-flag-" + UUID().uuidString.lowercased().prefix(12), "--offsite-path-style",
                                           "--offsite-create-bucket", "--offsite-allow-insecure-http"],
                                          environment: ["LETHE_NOW": "2026-11-01T00:00:00Z", "AWS_ACCESS_KEY_ID": "lethe-test",
                                                        "AWS_SECRET_ACCESS_KEY": "lethe-test-secret"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let configuration = try JSONSerialization.jsonObject(with: Data(contentsOf: home.appendingPathComponent("lethe.json"))) as? [String: Any]
        let offsite = try #require(configuration?["offsite"] as? [String: Any])
        #expect(offsite["allow_insecure_http"] as? Bool == true)
    }

    /// A home whose configuration was edited to a plain-http endpoint elsewhere: offsite work is
    /// refused (exit 64) naming the setting; work that does not go offsite still runs.
    @Test func anExistingHomeWithSuchAnEndpointRefusesOffsiteWork() throws {
        let fixture = try CLIFixture(customers: ["alice": ["a.txt": Array("alice".utf8)]])
        fixture.environment["AWS_ACCESS_KEY_ID"] = "lethe-test"
        fixture.environment["AWS_SECRET_ACCESS_KEY"] = "lethe-test-secret"
        try OffsiteCLITests.setOffsite(fixture, endpoint: "http://example.com", bucket: "lethe")
        let backup = try fixture.lethe(["backup"])
        #expect(backup.status == 64, "stdout: \(backup.stdout) stderr: \(backup.stderr)")
        #expect(backup.stderr.contains("\"allow_insecure_http\": true"))
        #expect(backup.stderr.contains("lethe.json"))
        #expect(try fixture.lethe(["list", "archives"]).status == 0)
    }

    /// `lethe verify` reports a multipart upload left under Lethe's prefix (exit 3), as any
    /// other disagreement between catalog and store; the fake S3 server holds one.
    @Test func verifyReportsAnUnfinishedMultipartUpload() throws {
        let server = try FakeVersionedS3Server()
        defer { server.stop() }
        let fixture = try CLIFixture(customers: ["alice": ["a.txt": Array("alice".utf8)]])
        fixture.environment["AWS_ACCESS_KEY_ID"] = "lethe-test"
        fixture.environment["AWS_SECRET_ACCESS_KEY"] = "lethe-test-secret"
        try OffsiteCLITests.setOffsite(fixture, endpoint: server.endpoint.absoluteString, bucket: "lethe")
        #expect(try fixture.lethe(["verify"]).status == 0)
        try server.plantUpload(key: "archives/p/s/killed.lethe", age: 60)
        let verify = try fixture.lethe(["verify"])
        #expect(verify.status == 3, "stdout: \(verify.stdout) stderr: \(verify.stderr)")
        #expect((verify.stdout + verify.stderr).contains("archives/p/s/killed.lethe"))
        #expect((verify.stdout + verify.stderr).contains("multipart upload"))
    }
}
