import Foundation
import LetheTestSupport
import Testing

/// The offsite epoch witness (issue 10): every rotation records the newest epoch in the offsite
/// store (`lethe/newest-epoch`, unlocked, outside `archives/`), so a home put back from a host
/// backup taken before a shred is refused even when every local key directory was lost too,
/// where `--accept-epoch` would otherwise be the only thing standing in the way.
extension OffsiteCLITests {
    @Test func theOffsiteStoreWitnessesTheNewestEpochWhenEveryLocalDirectoryIsLost() async throws {
        let endpoint = try Self.s3Endpoint()
        let bucket = "lethe-witness-" + UUID().uuidString.lowercased().prefix(13)
        try await Self.s3(endpoint, "PUT", "/\(bucket)", headers: ["x-amz-bucket-object-lock-enabled": "true"])
        let witness = { try Self.signedGet(endpoint, bucket: bucket, key: "lethe/newest-epoch") }

        let fixture = try Self.makeFixture()
        try Self.setOffsite(fixture, endpoint: endpoint, bucket: bucket)
        #expect(try fixture.lethe(["backup"]).status == 0)
        let oldEscrow = fixture.root.url.appendingPathComponent("escrow-epoch1.txt")
        try fixture.succeed(["keys", "escrow", "--raw"]).write(to: oldEscrow, atomically: true, encoding: .utf8)
        try fixture.takeHostBackup()

        fixture.environment["LETHE_NOW"] = "2026-11-02T00:00:00Z"
        try fixture.succeed(["shred", "--customer", "alice", "--request", "GDPR-1", "--yes"])
        #expect(try witness() == "2\n")

        // The store is down at the next rotation: the rotation completes, the witness is owed
        // and the next writing run catches it up.
        try Self.setOffsite(fixture, endpoint: Self.unreachable, bucket: bucket)
        let rotate = try fixture.lethe(["keys", "rotate"])
        #expect(rotate.status == 0, "\(rotate.stderr)")
        #expect(rotate.stderr.contains("keys.offsite_witness_unrecorded"))
        #expect(try witness() == "2\n")
        try Self.setOffsite(fixture, endpoint: endpoint, bucket: bucket)
        fixture.environment["LETHE_NOW"] = "2026-11-03T00:00:00Z"
        let caughtUp = try fixture.lethe(["backup", "--customer", "bob"])
        #expect(caughtUp.status == 0, "\(caughtUp.stdout) \(caughtUp.stderr)")
        #expect(try witness() == "3\n")

        // Last week's home and escrow, every local key directory lost: the offsite store refuses
        // it, even with the epoch accepted by name.
        try fixture.restoreHostBackup()
        try FileManager.default.removeItem(at: fixture.home.appendingPathComponent("keys"))
        for extra in [[], ["--accept-epoch", "1"]] {
            let recovered = try fixture.lethe(["keys", "recover", "--escrow", oldEscrow.path] + extra)
            #expect(recovered.status == 3, "\(recovered.stdout) \(recovered.stderr)")
            #expect(recovered.stderr.contains("offsite store") && recovered.stderr.contains("has seen epoch 3"))
        }
        #expect(!FileManager.default.fileExists(atPath: fixture.home.appendingPathComponent("keys").path))
    }

    /// The object's body, read with boto3 (moto refuses unsigned reads of objects).
    static func signedGet(_ endpoint: String, bucket: String, key: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["AWS_ACCESS_KEY_ID=lethe-test", "AWS_SECRET_ACCESS_KEY=lethe-test-secret", "python3", "-c",
                             "import boto3, sys; s = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1'); "
                             + "sys.stdout.write(s.get_object(Bucket=sys.argv[2], Key=sys.argv[3])['Body'].read().decode())",
                             endpoint, bucket, key]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: output, as: UTF8.self)
    }
}
