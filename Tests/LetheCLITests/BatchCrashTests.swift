import Foundation
import LetheTestSupport
import Testing

/// A backup publishes its archives in batches (written, one sync, renamed, one sync, then one
/// catalog transaction). Killed with SIGKILL at each step of a batch, it leaves only what the
/// next run cleans up: temporary files, or archives the catalog never recorded in a set left
/// running; the next backup removes them, and verify finds the stores and the catalog agree.
@Suite struct BatchCrashTests {
    static let customers: [String: [String: [UInt8]]] = Dictionary(uniqueKeysWithValues: (0..<5).map {
        ("c\($0)", ["data.txt": Array("customer \($0)".utf8)])
    })

    /// The files under the store's `archives/` folder: published archives and temporary files.
    static func stored(_ fixture: CLIFixture) -> (archives: Int, temporaries: Int) {
        let files = regularFiles(under: fixture.store.appendingPathComponent("archives"))
        return (files.filter { $0.pathExtension == "lethe" && !$0.lastPathComponent.hasPrefix(".tmp") }.count,
                files.filter { $0.lastPathComponent.hasPrefix(".tmp") }.count)
    }

    @Test(arguments: [
        ("backup-batch-staged", 0, 5, 0),     // written, nothing synced or renamed
        ("backup-batch-published", 5, 0, 0),  // synced and renamed, not recorded
        ("backup-batch-recorded", 5, 0, 5),   // recorded, the set not finished
    ])
    func aBackupKilledInABatchIsCleanedUpByTheNextRun(step: String, archives: Int, temporaries: Int, recorded: Int) throws {
        let fixture = try CLIFixture(customers: Self.customers)
        fixture.environment["LETHE_NOW"] = "2026-11-02T01:00:00Z"
        var killed = fixture.environment
        killed["LETHE_TEST_CRASH_AT"] = step
        let run = try LetheProcess.run(["backup", "--home", fixture.home.path], environment: killed)
        #expect(run.status == SIGKILL, "the run was not killed at \(step): \(run.stderr)")
        let left = Self.stored(fixture)
        #expect(left.archives == archives && left.temporaries == temporaries, "\(left)")
        #expect(try fixture.copies().count == recorded)

        fixture.environment["LETHE_NOW"] = "2026-11-02T02:00:00Z"
        try fixture.succeed(["backup"])
        let sets = try JSONSerialization.jsonObject(with: Data(try fixture.succeed(["list", "sets", "--json"]).utf8)) as? [[String: Any]] ?? []
        #expect(sets.map { $0["state"] as? String } == [recorded > 0 ? "partial" : "failed", "complete"])
        let after = Self.stored(fixture)
        #expect(after.temporaries == 0 && after.archives == recorded + 5, "\(after)")
        let verify = try fixture.lethe(["verify"])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        try fixture.succeed(["restore", "--customer", "c3", "--to", fixture.root.url.appendingPathComponent("r").path])
    }
}
