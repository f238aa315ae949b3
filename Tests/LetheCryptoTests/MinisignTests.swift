import Foundation
@testable import LetheCrypto
import LetheTestSupport
import Testing

/// Signatures in minisign's format, checked by the real `minisign` (Debian's 0.11): a signed file
/// verifies with the public key as `-P` takes it, and fails with one byte changed, with the
/// signature or trusted comment altered, or under another key.
@Suite struct MinisignTests {
    /// Runs `minisign -Vm file -P key` (quiet) and returns its exit status.
    static func minisignVerify(_ file: URL, publicKey: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/minisign")
        process.arguments = ["-V", "-q", "-m", file.path, "-P", publicKey]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test func minisignVerifiesOurSignatureAndRefusesAnyChange() throws {
        let folder = try TemporaryDirectory()
        let file = folder.url.appendingPathComponent("report.html")
        let content = Array("<!DOCTYPE html><p>All copies within their delete-by dates</p>\n".utf8)
        try Data(content).write(to: file)
        let key = SigningKey.random()
        let minisig = Minisign.signature(of: content, with: key, trustedComment: "lethe report 2026-11-30T00:00:00Z")
        try Data(minisig.utf8).write(to: URL(fileURLWithPath: file.path + ".minisig"))
        #expect(Minisign.publicKey(key).hasPrefix("RW"))
        #expect(try Self.minisignVerify(file, publicKey: Minisign.publicKey(key)) == 0)

        // One byte of the file changed.
        var changed = content
        changed[20] ^= 0x01
        try Data(changed).write(to: file)
        #expect(try Self.minisignVerify(file, publicKey: Minisign.publicKey(key)) != 0)
        try Data(content).write(to: file)

        // Another key, an altered trusted comment, an altered signature.
        #expect(try Self.minisignVerify(file, publicKey: Minisign.publicKey(.random())) != 0)
        let forgedComment = minisig.replacingOccurrences(of: "2026-11-30", with: "2026-12-01")
        try Data(forgedComment.utf8).write(to: URL(fileURLWithPath: file.path + ".minisig"))
        #expect(try Self.minisignVerify(file, publicKey: Minisign.publicKey(key)) != 0)
        var lines = minisig.split(separator: "\n").map(String.init)
        var signature = try #require(Data(base64Encoded: lines[1]))
        signature[20] ^= 0x01
        lines[1] = signature.base64EncodedString()
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file.path + ".minisig"))
        #expect(try Self.minisignVerify(file, publicKey: Minisign.publicKey(key)) != 0)
    }

    @Test func theKeyPairFollowsFromItsSeed() throws {
        let seed = SecretKey.random()
        let a = SigningKey(seed: seed)
        let b = SigningKey(seed: try SecretKey(copying: seed.withUnsafeBytes { Array($0) }))
        #expect(a.publicKey == b.publicKey && a.keyID == b.keyID)
        let signature = a.sign(Array("x".utf8))
        #expect(SigningKey.verify(signature, of: Array("x".utf8), publicKey: b.publicKey))
        #expect(!SigningKey.verify(signature, of: Array("y".utf8), publicKey: b.publicKey))
    }
}
