import Foundation
import GRDB
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LetheTestSupport
import Testing

/// The offsite store through the real `lethe` binary: down for a night (exit 2, copies pending),
/// back the next night on the real S3 server (moto), where the pending copies catch up.
///
/// The homes are made by `lethe init`, then given an offsite store by editing `lethe.json`
/// (the `offsite` block `lethe init --offsite-…` writes); credentials come from the AWS
/// environment variables, as in production.
@Suite struct OffsiteCLITests {
    static let customers: [String: [String: [UInt8]]] = [
        "alice": ["a.txt": Array("alice".utf8), "blob.bin": randomBytes(150_000, seed: 5)],
        "bob": ["b.txt": Array("bob".utf8)],
    ]

    /// A port nothing listens on (the discard port, closed on a test machine): connection refused.
    static let unreachable = "http://127.0.0.1:9"

    /// Points the home's offsite store at `endpoint` / `bucket`, and puts the offsite block back
    /// into its policy (`init` without offsite settings wrote the local-only default): the two
    /// steps `policies/local-only.yaml` gives for copying offsite later.
    static func setOffsite(_ fixture: CLIFixture, endpoint: String, bucket: String) throws {
        let url = fixture.home.appendingPathComponent("lethe.json")
        var configuration = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        configuration["offsite"] = ["endpoint": endpoint, "region": "us-east-1", "bucket": bucket, "path_style": true]
        try JSONSerialization.data(withJSONObject: configuration).write(to: url)
        try Data(try ShippedPolicy.defaultText.utf8).write(to: fixture.home.appendingPathComponent("policy.yaml"))
    }

    static func makeFixture() throws -> CLIFixture {
        let fixture = try CLIFixture(customers: customers)  // 2026-11-01: the first set is the monthly
        fixture.environment["AWS_ACCESS_KEY_ID"] = "lethe-test"
        fixture.environment["AWS_SECRET_ACCESS_KEY"] = "lethe-test-secret"
        return fixture
    }

    /// The S3 test server's endpoint; the test is skipped (recorded as an issue in CI) without one.
    static func s3Endpoint() throws -> String {
        guard let endpoint = ProcessInfo.processInfo.environment["LETHE_TEST_S3_ENDPOINT"], !endpoint.isEmpty else {
            if ProcessInfo.processInfo.environment["CI"] != nil {
                Issue.record("LETHE_TEST_S3_ENDPOINT must be set in CI: run the tests through scripts/s3-test-server.sh run")
            }
            try Test.cancel("LETHE_TEST_S3_ENDPOINT is unset: skipped; run with scripts/s3-test-server.sh run swift test --filter OffsiteCLITests")
        }
        return endpoint
    }

    static func offsiteCopies(_ fixture: CLIFixture) throws -> [[String: Any]] {
        try fixture.copies().filter { $0["location"] as? String == "offsite" }
    }

    /// The offsite store cannot be reached: the local set is committed and restorable, the
    /// offsite copies are recorded pending, and `lethe backup` exits 2 (partly done).
    @Test func unreachableOffsiteStoreExitsTwoWithCopiesPending() throws {
        let fixture = try Self.makeFixture()
        try Self.setOffsite(fixture, endpoint: Self.unreachable, bucket: "lethe-unreachable")
        let backup = try fixture.lethe(["backup"])
        #expect(backup.status == 2, "stdout: \(backup.stdout) stderr: \(backup.stderr)")
        #expect(backup.stdout.contains("state complete"))
        #expect(backup.stdout.contains("Offsite: 0 copied, 2 pending"))
        let offsite = try Self.offsiteCopies(fixture)
        #expect(offsite.count == 2 && offsite.allSatisfy { $0["state"] as? String == "pending" })
        #expect(try fixture.copies().filter { $0["location"] as? String == "local" }.allSatisfy { $0["state"] as? String == "live" })
        let target = fixture.root.url.appendingPathComponent("restored")
        try fixture.succeed(["restore", "--customer", "alice", "--to", target.path])
        #expect(FileManager.default.contents(atPath: target.appendingPathComponent("a.txt").path) == Data("alice".utf8))
        // Asked for the offsite copy, there is none yet: not found (exit 5).
        let fromOffsite = try fixture.lethe(["restore", "--customer", "alice", "--from", "offsite",
                                             "--to", fixture.root.url.appendingPathComponent("none").path])
        #expect(fromOffsite.status == 5, "\(fromOffsite.stderr)")
    }

    /// Down the first night, back the next on moto: the second `lethe backup` exits 0, uploads
    /// the two pending copies and the new weekly's two, each once (one version per object in
    /// the bucket), and `restore --from offsite` reads one back.
    @Test func pendingCopiesCatchUpOnTheRealServerTheNextNight() async throws {
        let endpoint = try Self.s3Endpoint()
        let bucket = "lethe-cli-" + UUID().uuidString.lowercased().prefix(13)
        try await Self.s3(endpoint, "PUT", "/\(bucket)", headers: ["x-amz-bucket-object-lock-enabled": "true"])

        let fixture = try Self.makeFixture()
        try Self.setOffsite(fixture, endpoint: Self.unreachable, bucket: bucket)
        #expect(try fixture.lethe(["backup"]).status == 2)

        try Self.setOffsite(fixture, endpoint: endpoint, bucket: bucket)
        fixture.environment["LETHE_NOW"] = "2026-11-02T00:00:00Z"  // Monday: a weekly, copied offsite too
        let next = try fixture.lethe(["backup"])
        #expect(next.status == 0, "stdout: \(next.stdout) stderr: \(next.stderr)")
        #expect(next.stdout.contains("Offsite: 4 copied, 0 pending"))
        let offsite = try Self.offsiteCopies(fixture)
        #expect(offsite.count == 4)
        #expect(offsite.allSatisfy { $0["state"] as? String == "live" && $0["version_id"] is String })
        #expect(offsite.allSatisfy { $0["locked_until"] as? String == $0["delete_by"] as? String })

        let versions = String(decoding: try await Self.s3(endpoint, "GET", "/\(bucket)?versions"), as: UTF8.self)
        // Archives only: the epoch witness (`lethe/newest-epoch`) lives beside them.
        let keys = versions.components(separatedBy: "<Key>").dropFirst().map { String($0.prefix { $0 != "<" }) }.filter { $0.hasPrefix("archives/") }
        #expect(keys.count == 4, "one version per offsite copy: \(keys)")
        #expect(Set(keys) == Set(offsite.compactMap { $0["object_key"] as? String }))
        #expect(!versions.contains("<DeleteMarker>"))

        // The catalog and both stores agree: 4 local and 4 offsite copies, each listed where recorded.
        let structure = try fixture.lethe(["verify", "--json"])
        #expect(structure.status == 0, "\(structure.stdout)")
        let report = try JSONSerialization.jsonObject(with: Data(structure.stdout.utf8)) as? [String: Any]
        #expect(report?["copies_checked"] as? Int == 8 && report?["objects_listed"] as? Int == 8)

        let target = fixture.root.url.appendingPathComponent("from-offsite")
        let restore = try fixture.lethe(["restore", "--customer", "alice", "--from", "offsite", "--to", target.path])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(FileManager.default.contents(atPath: target.appendingPathComponent("blob.bin").path) == Data(Self.customers["alice"]!["blob.bin"]!))
    }

    /// A local copy that fails authentication falls back to the offsite copy of the same
    /// archive when that one authenticates (issue 12, item 10): `restore` and `export` exit 0,
    /// say on standard error that the local copy failed and the offsite one was read, and name
    /// `offsite` as the location read (text and JSON, the export's ledger event too). The local
    /// copy is damaged in its last chunk, so the first attempt has already extracted part of the
    /// tree: the second one starts over in a fresh staging folder, and none is left behind.
    /// `--from local` keeps the local copy's error (exit 3, naming `--from offsite`); a stream
    /// that already sent bytes cannot start over, so it says the same; with no offsite copy,
    /// exit 3 as before.
    @Test func damagedLocalCopyFallsBackToTheOffsiteCopy() async throws {
        let endpoint = try Self.s3Endpoint()
        let bucket = "lethe-cli-" + UUID().uuidString.lowercased().prefix(13)
        try await Self.s3(endpoint, "PUT", "/\(bucket)", headers: ["x-amz-bucket-object-lock-enabled": "true"])
        let blob = randomBytes(3 << 20, seed: 12)  // four chunks of 1 MiB: the first three are extracted before the last fails
        let fixture = try CLIFixture(customers: ["alice": ["a.txt": Array("alice".utf8), "blob.bin": blob], "bob": ["b.txt": Array("bob".utf8)]])
        fixture.environment["AWS_ACCESS_KEY_ID"] = "lethe-test"
        fixture.environment["AWS_SECRET_ACCESS_KEY"] = "lethe-test-secret"
        try Self.setOffsite(fixture, endpoint: endpoint, bucket: bucket)
        let backup = try fixture.lethe(["backup"])
        #expect(backup.status == 0, "stdout: \(backup.stdout) stderr: \(backup.stderr)")

        for customer in ["alice", "bob"] {
            let file = try fixture.archiveFile(customer: customer)
            var bytes = try Data(contentsOf: file)
            bytes[bytes.count - 20] ^= 0xFF  // one flipped byte inside the last chunk
            try bytes.write(to: file)
        }

        let restores = fixture.root.url.appendingPathComponent("restores")
        try FileManager.default.createDirectory(at: restores, withIntermediateDirectories: false)
        let target = restores.appendingPathComponent("alice")
        let restore = try fixture.lethe(["restore", "--customer", "alice", "--to", target.path])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(restore.stdout.contains(" from offsite into "), "\(restore.stdout)")
        #expect(restore.stderr.contains("the local copy failed authentication") && restore.stderr.contains("read the offsite copy"),
                "\(restore.stderr)")
        #expect(FileManager.default.contents(atPath: target.appendingPathComponent("blob.bin").path) == Data(blob))
        #expect(try FileManager.default.contentsOfDirectory(atPath: restores.path) == ["alice"], "no staging folder left behind")
        #expect(try FileManager.default.subpathsOfDirectory(atPath: target.path).sorted() == ["a.txt", "blob.bin"])

        let json = try fixture.lethe(["restore", "--customer", "alice", "--json", "--to", restores.appendingPathComponent("j").path])
        let outcome = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json.stderr)")
        #expect(outcome["location"] as? String == "offsite")
        #expect((outcome["fallback"] as? String)?.contains("the local copy failed authentication") == true, "\(outcome)")

        let pinned = try fixture.lethe(["restore", "--customer", "alice", "--from", "local", "--to", restores.appendingPathComponent("l").path])
        #expect(pinned.status == 3, "\(pinned.stderr)")
        #expect(pinned.stderr.contains("--from offsite"), "\(pinned.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: restores.path).sorted() == ["alice", "j"])

        let exported = fixture.root.url.appendingPathComponent("alice.tar")
        let export = try fixture.lethe(["export", "--customer", "alice", "--json", "--out", exported.path])
        #expect(export.status == 0, "\(export.stderr)")
        let exportOutcome = try #require(try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [String: Any])
        #expect(exportOutcome["location"] as? String == "offsite" && exportOutcome["fallback"] is String, "\(exportOutcome)")
        #expect(export.stderr.contains("read the offsite copy"), "\(export.stderr)")
        #expect(try LetheProcess.tool(["tar", "--warning=no-unknown-keyword", "-tf", exported.path]).output.split(separator: "\n") == ["a.txt", "blob.bin"])
        let recorded = try await DatabaseQueue(path: fixture.home.appendingPathComponent("catalog.sqlite").path).read { db in
            try String.fetchAll(db, sql: "SELECT details FROM ledger WHERE kind = 'customer.exported'")
        }
        #expect(recorded.count == 1 && recorded[0].contains("\"location\":\"offsite\""), "\(recorded)")

        let streamed = try fixture.lethe(["export", "--customer", "alice", "--out", "-", "--format", "tar"])
        #expect(streamed.status == 3, "bytes already sent cannot be taken back: \(streamed.stderr)")
        #expect(streamed.stderr.contains("--from offsite"), "\(streamed.stderr)")
        // Bob's archive fails before a byte of it left: the stream falls back too.
        let small = try fixture.lethe(["export", "--customer", "bob", "--out", "-", "--format", "tar"])
        #expect(small.status == 0 && small.stderr.contains("read the offsite copy"), "\(small.stderr)")
        let bobTar = fixture.root.url.appendingPathComponent("bob.tar")
        try small.stdoutBytes.write(to: bobTar)
        #expect(try LetheProcess.tool(["tar", "--warning=no-unknown-keyword", "-tf", bobTar.path]).output == "b.txt\n")

        // No offsite copy: exit 3, as before.
        let local = try CLIFixture(customers: ["alice": ["a.txt": Array("alice".utf8)]])
        try local.succeed(["backup"])
        let localFile = try local.archiveFile(customer: "alice")
        var localBytes = try Data(contentsOf: localFile)
        localBytes[localBytes.count - 20] ^= 0xFF
        try localBytes.write(to: localFile)
        let refused = try local.lethe(["restore", "--customer", "alice", "--to", local.root.url.appendingPathComponent("r").path])
        #expect(refused.status == 3, "\(refused.stderr)")
        #expect(!refused.stderr.contains("offsite"), "\(refused.stderr)")
    }

    /// One unsigned request to the plain test server (moto accepts them there).
    @discardableResult
    static func s3(_ endpoint: String, _ method: String, _ path: String, headers: [String: String] = [:]) async throws -> Data {
        var request = URLRequest(url: try #require(URL(string: endpoint + path)))
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        try #require((200..<300).contains(status), "\(method) \(path): HTTP \(status) \(String(decoding: data, as: UTF8.self))")
        return data
    }
}
