import Foundation
import LetheTestSupport

/// Homes for the shred tests: interrupted shreds, and a key directory mirrored elsewhere.
extension CLIFixture {
    /// Alice and bob, backed up at 1 November 2026 00:00 and again at 2 November 00:00 (the
    /// clock left there).
    static func aliceAndBobBackedUpTwice() throws -> CLIFixture {
        let fixture = try CLIFixture(customers: ["alice": ["a.txt": Array("alice".utf8)], "bob": ["b.txt": Array("bob".utf8)]])
        try fixture.succeed(["backup"])
        fixture.environment["LETHE_NOW"] = "2026-11-02T00:00:00Z"
        try fixture.succeed(["backup"])
        return fixture
    }

    /// Runs `lethe shred --customer customer --request request --yes` on `home` (this fixture's
    /// by default), killed with SIGKILL right after `step` by the `LETHE_TEST_CRASH_AT` seam.
    func killedShred(_ customer: String, request: String, at step: String, home: URL? = nil) throws -> LetheProcess.Result {
        var crashing = environment
        crashing["LETHE_TEST_CRASH_AT"] = step
        return try LetheProcess.run(["shred", "--customer", customer, "--request", request, "--yes", "--home", (home ?? self.home).path],
                                    environment: crashing)
    }

    /// A second home on this fixture's source tree whose key directory is mirrored in `vault`
    /// beside it, and a way to run `lethe` on it.
    func mirroredHome() throws -> MirroredHome {
        let mirrored = MirroredHome(home: root.url.appendingPathComponent("mirrored"), mirror: root.url.appendingPathComponent("vault"),
                                    environment: environment)
        let initialised = try LetheProcess.run(["init", "--home", mirrored.home.path, "--source", source.path, "--key-mirror", mirrored.mirror.path],
                                               environment: environment)
        guard initialised.status == 0 else { throw FixtureError("init with a key mirror failed: \(initialised.stderr)") }
        return mirrored
    }
}

/// A home whose key directory is mirrored (see ``CLIFixture/mirroredHome()``).
struct MirroredHome {
    let home: URL
    let mirror: URL
    let environment: [String: String]

    /// Runs `lethe arguments… --home HOME`, with `extra` added to the environment.
    func lethe(_ arguments: [String], _ extra: [String: String] = [:]) throws -> LetheProcess.Result {
        try LetheProcess.run(arguments + ["--home", home.path], environment: environment.merging(extra) { $1 })
    }
}
