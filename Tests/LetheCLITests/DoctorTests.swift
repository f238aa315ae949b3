import Foundation
import LetheTestSupport
import Testing

/// `lethe doctor` through the real binary: every failure an operator can meet makes it exit 1
/// with that check failed and a fix, while the other checks still run; warnings alone exit 0.
@Suite struct DoctorTests {
    /// What one `doctor --json` run printed: its status and its checks, in order.
    struct Run {
        var status: Int32
        var checks: [[String: Any]]
        var stderr: String

        /// The checks named `name`.
        func checks(_ name: String) -> [[String: Any]] { checks.filter { $0["check"] as? String == name } }
        /// The status of the only check named `name`.
        func status(of name: String) -> String? { checks(name).count == 1 ? checks(name)[0]["status"] as? String : nil }
        /// The names of the checks that failed.
        var failed: [String] { checks.filter { $0["status"] as? String == "fail" }.compactMap { $0["check"] as? String } }
    }

    /// A home with one customer and a key mirror beside the home, backed up once by `nightly`
    /// (2026-11-01T02:00); `escrow` adds a sealed escrow directory.
    static func makeFixture(escrow: Bool = false) throws -> CLIFixture {
        let fixture = try CLIFixture(customers: ["alice": ["a.txt": Array("alice".utf8)]], initArguments: { root in
            let escrowArguments = ["--recovery-key-out", root.appendingPathComponent("recovery.key").path,
                                   "--escrow-dir", root.appendingPathComponent("escrow").path]
            return ["--key-mirror", root.appendingPathComponent("mirror").path] + (escrow ? escrowArguments : [])
        })
        fixture.environment["LETHE_NOW"] = "2026-11-01T02:00:00Z"
        try fixture.succeed(["nightly"])
        return fixture
    }

    /// Runs `lethe doctor --json` (at `now`, else the fixture's time) and decodes it.
    static func doctor(_ fixture: CLIFixture, now: String? = nil) throws -> Run {
        var environment = fixture.environment
        if let now { environment["LETHE_NOW"] = now }
        let result = try LetheProcess.run(["doctor", "--json", "--home", fixture.home.path], environment: environment)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let checks = try #require(object?["checks"] as? [[String: Any]], "doctor printed no checks: \(result.stdout) \(result.stderr)")
        #expect((object?["healthy"] as? Bool) == (result.status == 0))
        return Run(status: result.status, checks: checks, stderr: result.stderr)
    }

    /// A healthy home with no escrow and no verification yet: warnings only, exit 0; every check
    /// of a local home ran.
    @Test func warningsAloneExitZero() throws {
        let fixture = try Self.makeFixture()
        let run = try Self.doctor(fixture)
        #expect(run.status == 0, "\(run.checks)")
        #expect(run.failed.isEmpty)
        #expect(run.status(of: "escrow") == "warn" && run.status(of: "last_verify") == "warn" && run.status(of: "last_copies_verify") == "warn")
        #expect(run.checks("key_directory").count == 2)
        for name in ["configuration", "source", "policy", "key_mirrors", "key_epoch", "key_rotation", "local_store", "clock"] {
            #expect(run.status(of: name) == "ok", "\(name): \(run.checks(name))")
        }
    }

    /// A policy edited into invalid YAML: the policy check fails with `lethe policy check` as the
    /// fix (exit 1), and the checks that need no policy still run and pass.
    @Test func brokenPolicyFails() throws {
        let fixture = try Self.makeFixture()
        try Data("name: [unclosed\n".utf8).write(to: fixture.home.appendingPathComponent("policy.yaml"))
        let run = try Self.doctor(fixture)
        #expect(run.status == 1)
        #expect(run.failed == ["policy"], "\(run.checks)")
        #expect((run.checks("policy").first?["fix"] as? String)?.contains("lethe policy check") == true)
        #expect(run.checks("key_directory").allSatisfy { $0["status"] as? String == "ok" })
        #expect(run.status(of: "local_store") == "ok")
    }

    /// A policy that keeps offsite copies in a home with no offsite store: the copies it asks for
    /// are never made, which backup and nightly answer with exit 2 and the report with a red
    /// verdict; the doctor fails `offsite_store` (exit 1) with the same two ways out.
    @Test func offsitePolicyWithoutAnOffsiteStoreFails() throws {
        let fixture = try Self.makeFixture()
        try FileManager.default.removeItem(at: fixture.home.appendingPathComponent("policy.yaml"))
        try FileManager.default.copyItem(at: ShippedPolicy.packageRoot.appendingPathComponent("policies/default.yaml"),
                                         to: fixture.home.appendingPathComponent("policy.yaml"))
        let run = try Self.doctor(fixture)
        #expect(run.status == 1)
        #expect(run.failed == ["offsite_store"], "\(run.checks)")
        let fix = run.checks("offsite_store").first?["fix"] as? String ?? ""
        #expect(fix.contains("\"offsite\" object") && fix.contains("remove the offsite block"), "\(run.checks("offsite_store"))")
    }

    /// A key mirror removed: that directory fails, naming it, with `keys status`' advice (mount
    /// it, or create it and rotate); the primary is still ok (exit 1).
    @Test func removedKeyMirrorFails() throws {
        let fixture = try Self.makeFixture()
        let mirror = fixture.root.url.appendingPathComponent("mirror")
        try FileManager.default.removeItem(at: mirror)
        let run = try Self.doctor(fixture)
        #expect(run.status == 1)
        #expect(run.failed == ["key_directory"], "\(run.checks)")
        let failed = try #require(run.checks("key_directory").first { $0["status"] as? String == "fail" })
        #expect(failed["detail"] as? String == "\(mirror.path) does not exist")
        #expect((failed["fix"] as? String)?.contains("mount it") == true)
    }

    /// Every key directory removed: the home cannot open its key store; each directory fails
    /// with the advice for when none holds the key (the escrow: `lethe keys recover`), and the
    /// checks that need no key (policy, local store) still run (exit 1).
    @Test func everyKeyDirectoryGoneFails() throws {
        let fixture = try Self.makeFixture()
        try FileManager.default.removeItem(at: fixture.root.url.appendingPathComponent("mirror"))
        try FileManager.default.removeItem(at: fixture.home.appendingPathComponent("keys"))
        let run = try Self.doctor(fixture)
        #expect(run.status == 1)
        #expect(run.failed == ["key_directory", "key_directory"], "\(run.checks)")
        #expect(run.checks("key_directory").allSatisfy { ($0["fix"] as? String)?.contains("lethe keys recover") == true })
        #expect(run.status(of: "policy") == "ok" && run.status(of: "local_store") == "ok")
    }

    /// An escrow directory removed: the escrow check fails, with `lethe keys rotate` as the fix.
    @Test func removedEscrowDirectoryFails() throws {
        let fixture = try Self.makeFixture(escrow: true)
        #expect(try Self.doctor(fixture).status(of: "escrow") == "ok")
        try FileManager.default.removeItem(at: fixture.root.url.appendingPathComponent("escrow"))
        let run = try Self.doctor(fixture)
        #expect(run.status == 1)
        #expect(run.failed == ["escrow"], "\(run.checks)")
        #expect((run.checks("escrow").first?["fix"] as? String)?.contains("lethe keys rotate") == true)
    }

    /// A clock earlier than the last recorded event (the nightly of 02:00): the clock check
    /// fails (every writing command would refuse to run); at 02:00 itself it passes.
    @Test func clockBehindTheLedgerFails() throws {
        let fixture = try Self.makeFixture()
        let behind = try Self.doctor(fixture, now: "2026-11-01T01:59:59Z")
        #expect(behind.status == 1)
        #expect(behind.failed == ["clock"], "\(behind.checks)")
        #expect((behind.checks("clock").first?["detail"] as? String)?.contains("earlier than the last recorded event (2026-11-01T02:00:00Z)") == true)
        #expect(try Self.doctor(fixture, now: "2026-11-01T02:00:00Z").status(of: "clock") == "ok")
    }

    /// The last `lethe verify` found an archive the catalog does not know: `last_verify` fails
    /// until a later verify finds the stores in agreement; a clean verify then ages into a warning
    /// after 8 days (exit 0).
    @Test func verifyThatFoundProblemsFailsUntilAVerifyIsClean() throws {
        let fixture = try Self.makeFixture()
        let stray = fixture.store.appendingPathComponent("archives/stray/unknown.lethe")
        try FileManager.default.createDirectory(at: stray.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("not an archive".utf8).write(to: stray)
        #expect(try fixture.lethe(["verify"]).status == 3)
        let found = try Self.doctor(fixture)
        #expect(found.status == 1)
        #expect(found.failed == ["last_verify"], "\(found.checks)")
        #expect((found.checks("last_verify").first?["detail"] as? String)?.contains("found 1 disagreement") == true)

        try FileManager.default.removeItem(at: stray.deletingLastPathComponent())
        try fixture.succeed(["verify"])
        #expect(try Self.doctor(fixture).status(of: "last_verify") == "ok")
        let later = try Self.doctor(fixture, now: "2026-11-09T02:00:01Z")
        #expect(later.status == 0)
        #expect(later.status(of: "last_verify") == "warn")
        #expect((later.checks("last_verify").first?["detail"] as? String)?.contains("8 days ago") == true)
    }

    /// A folder that is no home: the configuration check fails (exit 1) and nothing else runs.
    @Test func notAHomeFails() throws {
        let folder = try TemporaryDirectory(prefix: "lethe-not-a-home")
        defer { folder.remove() }
        let result = try LetheProcess.run(["doctor", "--home", folder.url.path])
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("fail  configuration"), "\(result.stdout)")
        #expect(result.stdout.contains("1 check: 1 failed"), "\(result.stdout)")
    }

    // MARK: the offsite store

    /// No credentials in the environment doctor runs in: the offsite store fails, saying so.
    @Test func offsiteWithoutCredentialsFails() throws {
        let fixture = try Self.makeFixture()
        try OffsiteCLITests.setOffsite(fixture, endpoint: OffsiteCLITests.unreachable, bucket: "lethe-doctor")
        let run = try Self.doctor(fixture)
        #expect(run.status == 1)
        #expect(run.failed == ["offsite_store"], "\(run.checks)")
        #expect((run.checks("offsite_store").first?["detail"] as? String)?.contains("credentials") == true, "\(run.checks("offsite_store"))")
    }

    /// An offsite store that does not answer (nothing listens on its port, as when the S3
    /// server is stopped): the offsite store fails (exit 1).
    @Test func unreachableOffsiteStoreFails() throws {
        let fixture = try Self.makeFixture()
        fixture.environment["AWS_ACCESS_KEY_ID"] = "lethe-test"
        fixture.environment["AWS_SECRET_ACCESS_KEY"] = "lethe-test-secret"
        try OffsiteCLITests.setOffsite(fixture, endpoint: OffsiteCLITests.unreachable, bucket: "lethe-doctor")
        let run = try Self.doctor(fixture)
        #expect(run.status == 1)
        #expect(run.failed == ["offsite_store"], "\(run.checks)")
        #expect((run.checks("offsite_store").first?["detail"] as? String)?.contains("unavailable") == true, "\(run.checks("offsite_store"))")
    }

    /// On the S3 test server: a bucket that does not exist fails, naming it; a bucket without
    /// object lock fails the lock check under a policy that locks offsite copies (the default
    /// policy: governance); a bucket with object lock passes both (exit 0), and the epoch
    /// witness check runs.
    @Test func offsiteBucketAndLockAgainstThePolicy() async throws {
        let endpoint = try OffsiteCLITests.s3Endpoint()
        let fixture = try Self.makeFixture()
        fixture.environment["AWS_ACCESS_KEY_ID"] = "lethe-test"
        fixture.environment["AWS_SECRET_ACCESS_KEY"] = "lethe-test-secret"
        let name = "lethe-doctor-" + UUID().uuidString.lowercased().prefix(13)

        try OffsiteCLITests.setOffsite(fixture, endpoint: endpoint, bucket: "\(name)-missing")
        let missing = try Self.doctor(fixture)
        #expect(missing.status == 1)
        #expect(missing.failed == ["offsite_store"], "\(missing.checks)")
        #expect((missing.checks("offsite_store").first?["detail"] as? String)?.contains("\(name)-missing does not exist") == true,
                "\(missing.checks("offsite_store"))")

        try await OffsiteCLITests.s3(endpoint, "PUT", "/\(name)-unlocked")
        try OffsiteCLITests.setOffsite(fixture, endpoint: endpoint, bucket: "\(name)-unlocked")
        let unlocked = try Self.doctor(fixture)
        #expect(unlocked.status == 1)
        #expect(unlocked.failed == ["offsite_lock"], "\(unlocked.checks)")
        #expect(unlocked.status(of: "offsite_store") == "ok")
        #expect((unlocked.checks("offsite_lock").first?["detail"] as? String)?.contains("has no object lock") == true)

        try await OffsiteCLITests.s3(endpoint, "PUT", "/\(name)-locked", headers: ["x-amz-bucket-object-lock-enabled": "true"])
        try OffsiteCLITests.setOffsite(fixture, endpoint: endpoint, bucket: "\(name)-locked")
        let locked = try Self.doctor(fixture)
        #expect(locked.status == 0, "\(locked.checks)")
        #expect(locked.status(of: "offsite_store") == "ok" && locked.status(of: "offsite_lock") == "ok" && locked.status(of: "offsite_epoch") == "ok")
    }
}
