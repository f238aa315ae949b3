import Foundation
import LetheTestSupport
import Testing

/// A backup killed with SIGKILL leaves nothing that looks complete, and the next run cleans up.
@Suite struct CrashTests {
    @Test func backupKilledMidRunIsCleanedUpByTheNextRun() throws {
        var customers: [String: [String: [UInt8]]] = [:]
        for n in 0..<12 { customers["c\(n)"] = ["data.bin": randomBytes(3 << 20, seed: UInt64(n))] }
        let fixture = try CLIFixture(customers: customers)
        fixture.environment["LETHE_NOW"] = "2026-11-02T01:00:00Z"

        let running = LetheProcess.start(["backup", "--home", fixture.home.path], environment: fixture.environment)
        try running.process.run()
        // Kill it once it has started writing into the store (no time limit: a busy machine is slower, not different).
        while running.process.isRunning, regularFiles(under: fixture.store).isEmpty {
            usleep(2_000)
        }
        kill(running.process.processIdentifier, SIGKILL)
        running.process.waitUntilExit()
        #expect(running.process.terminationReason == .uncaughtSignal)

        // Whatever the catalog lists as live exists in full in the store.
        for copy in try fixture.copies() {
            let key = try #require(copy["object_key"] as? String)
            let size = try FileManager.default.attributesOfItem(atPath: fixture.store.appendingPathComponent(key).path)[.size] as? Int
            #expect(Int64(size ?? -1) == copy["bytes"] as? Int64 ?? (copy["bytes"] as? NSNumber)?.int64Value)
        }

        fixture.environment["LETHE_NOW"] = "2026-11-02T02:00:00Z"
        let next = try fixture.lethe(["backup", "--json"])
        #expect(next.status == 0, "\(next.stderr)")
        let sets = try JSONSerialization.jsonObject(with: Data(try fixture.succeed(["list", "sets", "--json"]).utf8)) as? [[String: Any]] ?? []
        #expect(sets.count == 2)
        #expect(sets.first?["state"] as? String != "running")
        #expect(sets.first?["state"] as? String != "complete")
        #expect(sets.last?["state"] as? String == "complete")
        let temporaries = regularFiles(under: fixture.store).filter { $0.lastPathComponent.hasPrefix(".tmp") }
        #expect(temporaries.isEmpty)
        // Nothing stored that the catalog does not know, nothing it knows missing.
        let structure = try fixture.lethe(["verify"])
        #expect(structure.status == 0, "\(structure.stdout)")
        #expect(structure.stdout.hasPrefix("catalog and stores agree: "))
        try fixture.succeed(["restore", "--customer", "c5", "--to", fixture.root.url.appendingPathComponent("r").path])
    }
}
