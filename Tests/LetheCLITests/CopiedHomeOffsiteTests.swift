import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LetheTestSupport
import Testing

/// A copied home that shares the original's offsite bucket (issue 12, finding 4): with the
/// store inside the home, `cp -a` copies the local store and its marker too, so only the offsite
/// store's ledger-head marker (`lethe/ledger-head`) can tell the two homes apart. Real binary,
/// real S3 server (moto).
@Suite struct CopiedHomeOffsiteTests {
    /// Every version (and delete marker) in `bucket`: key and version id, in listing order.
    static func bucketVersions(_ endpoint: String, _ bucket: String) async throws -> [String] {
        let listing = String(decoding: try await OffsiteCLITests.s3(endpoint, "GET", "/\(bucket)?versions"), as: UTF8.self)
        return listing.components(separatedBy: "<Key>").dropFirst().map { entry in
            let key = String(entry.prefix { $0 != "<" })
            let version = entry.components(separatedBy: "<VersionId>").dropFirst().first.map { String($0.prefix { $0 != "<" }) } ?? "-"
            return "\(key) \(version)"
        }
    }

    /// A home made by `lethe init` (the store inside it) copying offsite to a new object-lock bucket.
    static func homeWithBucket(_ prefix: String) async throws -> (CLIFixture, endpoint: String, bucket: String) {
        let endpoint = try OffsiteCLITests.s3Endpoint()
        let bucket = prefix + UUID().uuidString.lowercased().prefix(13)
        try await OffsiteCLITests.s3(endpoint, "PUT", "/\(bucket)", headers: ["x-amz-bucket-object-lock-enabled": "true"])
        let fixture = try OffsiteCLITests.makeFixture()
        try OffsiteCLITests.setOffsite(fixture, endpoint: endpoint, bucket: bucket)
        return (fixture, endpoint, bucket)
    }

    /// The doctor's `store_marker` checks of `home`: location (the detail's first words) → status.
    static func markerChecks(_ fixture: CLIFixture, _ home: URL) throws -> [[String: Any]] {
        let doctor = try MovedHomeTests.lethe(fixture, home, ["doctor", "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(doctor.stdout.utf8)) as? [String: Any], "\(doctor.stderr)")
        return (report["checks"] as? [[String: Any]] ?? []).filter { $0["check"] as? String == "store_marker" }
    }

    /// `cp -a` a home (its store inside it) that copies to an offsite bucket; the copy backs up
    /// (uploading into the shared bucket). The original, while the bucket cannot be reached,
    /// backs up locally and sends nothing offsite (its weekly's copies pending, exit 2); once it answers, a backup, an expire, a
    /// nightly and a shred from the original are refused with exit 1, naming the offsite bucket, and the bucket and the
    /// original's store are exactly as they were; the doctor fails the original's offsite
    /// `store_marker` (its local one is fine) and passes the copy's; the copy goes on working.
    @Test func aCopyThatWroteLastToTheBucketRefusesTheOriginal() async throws {
        let (fixture, endpoint, bucket) = try await Self.homeWithBucket("lethe-copied-")
        try fixture.succeed(["backup"])
        let copy = fixture.root.url.appendingPathComponent("copy")
        #expect(try LetheProcess.tool(["cp", "-a", fixture.home.path, copy.path]).status == 0)

        fixture.environment["LETHE_NOW"] = "2026-11-02T00:00:00Z"  // Monday: a weekly, copied offsite
        let fromCopy = try MovedHomeTests.lethe(fixture, copy, ["backup"])
        #expect(fromCopy.status == 0, "\(fromCopy.stdout) \(fromCopy.stderr)")
        #expect(fromCopy.stdout.contains("Offsite: 2 copied, 0 pending"), "\(fromCopy.stdout)")

        // The bucket cannot be reached: the original backs up locally (its marker unchecked,
        // nothing goes offsite), and is refused once the bucket answers again.
        fixture.environment["LETHE_NOW"] = "2026-11-03T00:00:00Z"
        try OffsiteCLITests.setOffsite(fixture, endpoint: OffsiteCLITests.unreachable, bucket: bucket)
        let unchecked = try fixture.lethe(["backup"])
        #expect(unchecked.status == 2, "\(unchecked.stdout) \(unchecked.stderr)")  // its weekly's copies left pending
        #expect(unchecked.stdout.contains("Offsite: 0 copied, 2 pending"), "\(unchecked.stdout)")
        #expect(unchecked.stderr.contains("store.offsite_head_unchecked"), "\(unchecked.stderr)")
        try OffsiteCLITests.setOffsite(fixture, endpoint: endpoint, bucket: bucket)

        fixture.environment["LETHE_NOW"] = "2026-11-04T00:00:00Z"
        let bucketBefore = try await Self.bucketVersions(endpoint, bucket)
        let storeBefore = try MovedHomeTests.files(under: fixture.store)
        for arguments in [["backup"], ["expire"], ["nightly"], ["shred", "--customer", "bob", "--request", "R-1", "--yes"]] {
            let refused = try fixture.lethe(arguments)
            #expect(refused.status == 1, "\(arguments[0]): stdout \(refused.stdout) stderr \(refused.stderr)")
            #expect(refused.stderr.contains("this store was written by another copy of this home"), "\(arguments[0]): \(refused.stderr)")
            #expect(refused.stderr.contains("offsite bucket \(bucket)"), "\(arguments[0]) does not name the bucket: \(refused.stderr)")
            #expect(refused.stderr.contains("Nothing was written"), "\(refused.stderr)")
        }
        #expect(try await Self.bucketVersions(endpoint, bucket) == bucketBefore, "a refused run wrote to the bucket")
        #expect(try MovedHomeTests.files(under: fixture.store) == storeBefore, "a refused run wrote to the local store")

        let original = try Self.markerChecks(fixture, fixture.home)
        #expect(original.map { $0["status"] as? String } == ["ok", "fail"], "\(original)")
        #expect((original.last?["detail"] as? String)?.contains(bucket) == true, "\(original)")
        #expect((original.last?["fix"] as? String)?.contains("bucket") == true, "\(original)")
        #expect(try Self.markerChecks(fixture, copy).map { $0["status"] as? String } == ["ok", "ok"])

        let copyAgain = try MovedHomeTests.lethe(fixture, copy, ["nightly"])
        #expect(copyAgain.status == 0, "\(copyAgain.stdout) \(copyAgain.stderr)")
        #expect(try MovedHomeTests.lethe(fixture, copy, ["verify"]).status == 0)
    }

    /// The original alone, copying offsite across nights (a shred and a rotation among them, and
    /// one night the offsite store cannot be reached: its copies pending, exit 2), is never
    /// refused by its own markers; once the store is back the pending copies catch up, and the
    /// offsite marker follows the ledger head, one version of it kept; doctor passes both markers.
    @Test func theOriginalAloneKeepsWorkingWithOffsiteCopies() async throws {
        let (fixture, endpoint, bucket) = try await Self.homeWithBucket("lethe-alone-")
        for day in 1...10 {
            fixture.environment["LETHE_NOW"] = String(format: "2026-11-%02dT02:00:00Z", day)
            let down = day == 9  // a Monday: its weekly is copied offsite
            if down { try OffsiteCLITests.setOffsite(fixture, endpoint: OffsiteCLITests.unreachable, bucket: bucket) }
            let nightly = try fixture.lethe(["nightly"])
            #expect(nightly.status == (down ? 2 : 0), "night \(day): \(nightly.stdout) \(nightly.stderr)")
            if down { try OffsiteCLITests.setOffsite(fixture, endpoint: endpoint, bucket: bucket) }
            if day == 3 {
                try fixture.succeed(["shred", "--customer", "bob", "--request", "R-2", "--yes"])
                try FileManager.default.removeItem(at: fixture.source.appendingPathComponent("bob"))
            }
            if day == 6 { try fixture.succeed(["keys", "rotate"]) }
        }
        let offsite = try OffsiteCLITests.offsiteCopies(fixture)
        #expect(!offsite.isEmpty && offsite.allSatisfy { $0["state"] as? String != "pending" }, "\(offsite)")
        let head = try #require(try JSONSerialization.jsonObject(with: Data(fixture.succeed(["verify", "--ledger", "--json"]).utf8)) as? [String: Any])
        let marker = try OffsiteCLITests.signedGet(endpoint, bucket: bucket, key: "lethe/ledger-head")
        #expect(marker.hasPrefix("lethe-head-v1 \(head["events"] as? Int ?? -1) "), "\(marker) vs \(head)")
        #expect(try await Self.bucketVersions(endpoint, bucket).filter { $0.hasPrefix("lethe/ledger-head ") }.count == 1)
        #expect(try Self.markerChecks(fixture, fixture.home).map { $0["status"] as? String } == ["ok", "ok"])
    }

    /// A bucket whose default retention rule locks what lethe stores unlocked: the marker's first
    /// version is locked, so later runs cannot replace it (`store.head_unrecorded`, logged) and the
    /// marker stays an earlier event of this home's ledger: the home is never refused by it, and
    /// doctor warns about the rule (`offsite_lock`, naming the marker).
    @Test func aDefaultRetentionRuleLocksTheMarkerButNeverRefusesTheHome() async throws {
        let (fixture, endpoint, bucket) = try await Self.homeWithBucket("lethe-retained-")
        try Self.boto(endpoint, "s.put_object_lock_configuration(Bucket=b, ObjectLockConfiguration={'ObjectLockEnabled': 'Enabled', "
                      + "'Rule': {'DefaultRetention': {'Mode': 'GOVERNANCE', 'Days': 1}}})", bucket: bucket)
        for day in 1...3 {
            fixture.environment["LETHE_NOW"] = String(format: "2026-11-%02dT02:00:00Z", day)
            let nightly = try fixture.lethe(["nightly"])
            #expect(nightly.status == 0, "night \(day): \(nightly.stdout) \(nightly.stderr)")
            // The first record (the first night's backup) is locked: every later one is refused.
            #expect(nightly.stderr.contains("store.head_unrecorded"), "night \(day): \(nightly.stderr)")
        }
        let doctor = try #require(try JSONSerialization.jsonObject(with: Data(fixture.lethe(["doctor", "--json"]).stdout.utf8)) as? [String: Any])
        let checks = doctor["checks"] as? [[String: Any]] ?? []
        let lock = checks.first { $0["check"] as? String == "offsite_lock" }
        #expect(lock?["status"] as? String == "warn" && (lock?["detail"] as? String)?.contains("lethe/ledger-head") == true, "\(checks)")
        #expect(try Self.markerChecks(fixture, fixture.home).map { $0["status"] as? String } == ["ok", "ok"])
    }

    /// Runs `python` with `s` a boto3 S3 client of `endpoint` and `b` the bucket's name.
    static func boto(_ endpoint: String, _ python: String, bucket: String) throws {
        let result = try LetheProcess.tool(["AWS_ACCESS_KEY_ID=lethe-test", "AWS_SECRET_ACCESS_KEY=lethe-test-secret", "python3", "-c",
                                            "import boto3, sys; s = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1'); "
                                                + "b = sys.argv[2]; " + python, endpoint, bucket])
        try #require(result.status == 0, "\(result.output)")
    }
}
