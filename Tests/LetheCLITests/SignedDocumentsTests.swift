import Foundation
import LetheTestSupport
import Testing

/// Reports and shred receipts signed in minisign's format, checked offline by Debian's real
/// `minisign` with the public key handed over once (`keys public-key`, `keys status --json`):
/// a signed file verifies, and fails with one byte changed. The key survives every rotation.
@Suite struct SignedDocumentsTests {
    /// `minisign -Vm file` with `-P key` or `-p keyfile`; its exit status.
    static func minisign(_ file: URL, _ key: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/minisign")
        process.arguments = ["-V", "-q", "-m", file.path] + key
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Flips one byte of `file` in place.
    static func flipOneByte(_ file: URL, at offset: Int) throws {
        var bytes = try Data(contentsOf: file)
        bytes[offset] ^= 0x01
        try bytes.write(to: file)
    }

    static func status(_ fixture: CLIFixture) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(fixture.succeed(["keys", "status", "--json"]).utf8)) as? [String: Any])
    }

    @Test func aReportWrittenToAFileVerifiesWithMinisignAndFailsWithOneByteChanged() throws {
        let fixture = try CLIFixture(customers: ["alice": ["a.txt": Array("alice".utf8)]])
        try fixture.succeed(["backup"])
        let publicKey = try #require(try Self.status(fixture)["signing_public_key"] as? String)
        let keyID = try #require(try Self.status(fixture)["signing_key_id"] as? String)
        #expect(publicKey.hasPrefix("RW") && keyID.count == 16)

        for format in ["html", "json", "csv"] {
            let report = fixture.root.url.appendingPathComponent("report.\(format)")
            try fixture.succeed(["report", "--format", format, "--out", report.path])
            let signature = URL(fileURLWithPath: report.path + ".minisig")
            #expect(try String(contentsOf: signature, encoding: .utf8).contains("key=\(keyID)"))
            #expect(try Self.minisign(report, ["-P", publicKey]) == 0, "\(format)")
            try Self.flipOneByte(report, at: 40)
            #expect(try Self.minisign(report, ["-P", publicKey]) != 0, "\(format) with a byte changed")
        }
        #expect(try String(contentsOf: fixture.root.url.appendingPathComponent("report.html"), encoding: .utf8).contains(keyID))
        // The key file `keys public-key` prints verifies as well (minisign -p).
        let keyFile = fixture.root.url.appendingPathComponent("lethe.pub")
        try fixture.succeed(["keys", "public-key"]).write(to: keyFile, atomically: true, encoding: .utf8)
        let report = fixture.root.url.appendingPathComponent("again.html")
        try fixture.succeed(["report", "--out", report.path])
        #expect(try Self.minisign(report, ["-p", keyFile.path]) == 0)
    }

    @Test func aShredReceiptIsSignedAndTheKeyOutlivesTheRotation() throws {
        let fixture = try CLIFixture(customers: ["alice": ["a.txt": Array("alice".utf8)], "bob": ["b.txt": Array("bob".utf8)]])
        try fixture.succeed(["backup"])
        let before = try Self.status(fixture)
        let receipt = fixture.root.url.appendingPathComponent("erasure-GDPR-9.json")
        let printed = try fixture.succeed(["shred", "--customer", "alice", "--request", "GDPR-9", "--yes", "--json", "--receipt", receipt.path])
        let written = try String(contentsOf: receipt, encoding: .utf8)
        #expect(written == printed)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(written.utf8)) as? [String: Any])
        #expect(parsed["status"] as? String == "shredded" && parsed["complete"] as? Bool == true)
        #expect(!written.contains("alice"))

        let after = try Self.status(fixture)
        #expect((after["epoch"] as? Int ?? 0) > (before["epoch"] as? Int ?? 0))
        let publicKey = try #require(after["signing_public_key"] as? String)
        #expect(publicKey == before["signing_public_key"] as? String)
        #expect(try Self.minisign(receipt, ["-P", publicKey]) == 0)
        let signature = try String(contentsOf: URL(fileURLWithPath: receipt.path + ".minisig"), encoding: .utf8)
        #expect(signature.contains("request=GDPR-9"))
        try Self.flipOneByte(receipt, at: 10)
        #expect(try Self.minisign(receipt, ["-P", publicKey]) != 0)
    }
}
