import Foundation
import LetheTestSupport
import Testing

/// A store on a full disk: the customer that does not fit fails with a clear "disk full"
/// message, nothing half-written is left, and a later run with space commits as usual.
@Suite struct DiskFullTests {
    @Test(.enabled(if: getuid() == 0, "mounting a small tmpfs needs root"))
    func aFullDiskFailsTheCustomersThatDoNotFitAndKeepsTheRest() throws {
        let root = try TemporaryDirectory(prefix: "lethe-full")
        let mountPoint = root.url.appendingPathComponent("tiny")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        try #require(run("/bin/mount", ["-t", "tmpfs", "-o", "size=512k", "tmpfs", mountPoint.path]) == 0)
        defer { _ = run("/bin/umount", [mountPoint.path]) }

        let source = root.url.appendingPathComponent("source")
        for (customer, bytes) in [("small", Array("hello".utf8)), ("large", randomBytes(2 << 20, seed: 8))] {
            try FileManager.default.createDirectory(at: source.appendingPathComponent(customer), withIntermediateDirectories: true)
            try Data(bytes).write(to: source.appendingPathComponent(customer).appendingPathComponent("data.bin"))
        }
        let home = root.url.appendingPathComponent("home")
        let env = ["LETHE_NOW": "2026-11-02T01:00:00Z"]
        let initResult = try LetheProcess.run(["init", "--home", home.path, "--source", source.path,
                                               "--store", mountPoint.appendingPathComponent("store").path], environment: env)
        try #require(initResult.status == 0, "\(initResult.stderr)")

        // The large customer does not fit: it fails with a clear message, nothing is committed
        // (exit 1) and nothing half-written is left on the full disk.
        let full = try LetheProcess.run(["backup", "--home", home.path, "--customer", "large"], environment: env)
        #expect(full.status == 1, "\(full.stderr)")
        #expect(full.stdout.contains("0 of 1 customer committed"))
        #expect(full.stdout.contains("disk full"), "\(full.stdout)")
        #expect(regularFiles(under: mountPoint).filter { $0.lastPathComponent.hasPrefix(".tmp") }.isEmpty)
        let noCopy = try LetheProcess.run(["restore", "--home", home.path, "--customer", "large",
                                           "--to", root.url.appendingPathComponent("r1").path], environment: env)
        #expect(noCopy.status == 5)

        // The space came back: the next backup of the small customer commits and restores.
        let next = try LetheProcess.run(["backup", "--home", home.path, "--customer", "small"],
                                        environment: ["LETHE_NOW": "2026-11-02T02:00:00Z"])
        #expect(next.status == 0, "\(next.stderr)")
        let restored = root.url.appendingPathComponent("restored")
        let restore = try LetheProcess.run(["restore", "--home", home.path, "--customer", "small", "--to", restored.path],
                                           environment: ["LETHE_NOW": "2026-11-02T02:00:00Z"])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(try Data(contentsOf: restored.appendingPathComponent("data.bin")) == Data("hello".utf8))
    }

    /// A restore onto a full disk: a clear "disk is full" message (exit 1), no staging folder or
    /// half-restored target left behind; the same restore elsewhere then succeeds.
    @Test(.enabled(if: getuid() == 0, "mounting a small tmpfs needs root"))
    func aRestoreOntoAFullDiskSaysSoAndLeavesNothing() throws {
        let fixture = try CLIFixture(customers: ["large": ["data.bin": randomBytes(2 << 20, seed: 9)]])
        try fixture.succeed(["backup"])
        let mountPoint = fixture.root.url.appendingPathComponent("tiny")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        try #require(run("/bin/mount", ["-t", "tmpfs", "-o", "size=512k", "tmpfs", mountPoint.path]) == 0)
        defer { _ = run("/bin/umount", [mountPoint.path]) }

        let full = try fixture.lethe(["restore", "--customer", "large", "--to", mountPoint.appendingPathComponent("restored").path])
        #expect(full.status == 1, "\(full.stderr)")
        #expect(full.stderr.contains("The disk being written is full"), "\(full.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: mountPoint.path).isEmpty)

        let elsewhere = fixture.root.url.appendingPathComponent("restored")
        try fixture.succeed(["restore", "--customer", "large", "--to", elsewhere.path])
        #expect(try Data(contentsOf: elsewhere.appendingPathComponent("data.bin")) == Data(randomBytes(2 << 20, seed: 9)))
    }

    private func run(_ tool: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
