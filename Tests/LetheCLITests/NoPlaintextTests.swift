import Foundation
import LetheTestSupport
import Testing

/// No plaintext at rest (invariant 1), watched from outside a real `lethe backup`.
@Suite struct NoPlaintextTests {
    /// While a backup runs, no file in the test's folder (the home, the store, and the folder the
    /// process was given as its temporary folder) ever holds a slice of a customer's
    /// incompressible data; afterwards no file of the home does. Only the test's own folder is
    /// read, so other work on the machine neither slows nor fools it.
    @Test func noPlaintextEverTouchesDisk() throws {
        let secret = randomBytes(4 << 20, seed: 99)
        let fixture = try CLIFixture(customers: ["alice-smith": ["secret.bin": secret], "bob": ["b.txt": Array("b".utf8)]])
        let temporary = fixture.root.url.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        fixture.environment["TMPDIR"] = temporary.path
        fixture.environment["LETHE_NOW"] = "2026-11-02T01:00:00Z"
        let probes = stride(from: 0, to: secret.count - 64, by: 1 << 20).map { Array(secret[$0..<$0 + 64]) }
        func plaintextFiles() -> [String] {
            regularFiles(under: fixture.root.url).filter { !$0.path.hasPrefix(fixture.source.path) }.compactMap { file in
                guard let bytes = FileManager.default.contents(atPath: file.path).map([UInt8].init) else { return nil }
                return probes.contains(where: { bytes.contains(bytes: $0) }) ? file.path : nil
            }
        }

        let backup = LetheProcess.start(["backup", "--home", fixture.home.path], environment: fixture.environment)
        try backup.process.run()
        var found: Set<String> = []
        var scans = 0
        repeat {
            found.formUnion(plaintextFiles())
            scans += 1
        } while backup.process.isRunning
        _ = backup.stdout.fileHandleForReading.readDataToEndOfFile()
        backup.process.waitUntilExit()
        #expect(backup.process.terminationStatus == 0)
        #expect(scans >= 1)
        #expect(found.isEmpty, "plaintext found in \(found.sorted())")
        #expect(plaintextFiles().isEmpty)
    }
}
