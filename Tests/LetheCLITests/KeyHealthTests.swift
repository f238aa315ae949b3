import Foundation
import LetheTestSupport
import Testing

/// Key health is monitorable: `keys status` exits 1 whenever it is not healthy (the JSON is still
/// printed), names each key directory with what is wrong and what to run; an unreachable mirror
/// is an unreachable directory, not an owed rotation; an unreadable directory is not called
/// missing; and `nightly` warns about an unhealthy key directory and exits non-zero.
@Suite struct KeyHealthTests {
    /// `keys status` (and `--json`) of a home, decoded: the exit status, the JSON, the text.
    static func status(_ lethe: ([String]) throws -> LetheProcess.Result) throws -> (status: Int32, json: [String: Any], text: String) {
        let json = try lethe(["keys", "status", "--json"])
        let text = try lethe(["keys", "status"])
        #expect(json.status == text.status, "--json and text disagree: \(json.status) vs \(text.status)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json.stderr)")
        return (json.status, object, text.stdout)
    }

    /// The decoded `directories` of a `keys status --json`.
    static func directories(_ json: [String: Any]) -> [[String: Any]] { json["directories"] as? [[String: Any]] ?? [] }

    @Test func keysStatusExitsOneWhileARotationIsOwedAndZeroOnceHealthy() throws {
        let fixture = try CLIFixture.aliceAndBobBackedUpTwice()
        let healthy = try Self.status { try fixture.lethe($0) }
        #expect(healthy.status == 0)
        #expect(healthy.json["healthy"] as? Bool == true)

        #expect(try fixture.killedShred("alice", request: "REQ-1", at: "after-rotate-commit").status == SIGKILL)
        let owed = try Self.status { try fixture.lethe($0) }
        #expect(owed.status == 1, "an owed rotation must fail a monitor")
        #expect(owed.json["healthy"] as? Bool == false)
        #expect(owed.json["owed_rotation"] as? String != nil)
        #expect(owed.text.contains("ROTATION OWED") && owed.text.contains("lethe keys rotate"), "\(owed.text)")

        #expect(try fixture.lethe(["keys", "rotate"]).status == 0)
        let again = try Self.status { try fixture.lethe($0) }
        #expect(again.status == 0)
        #expect(again.text.contains("Healthy: nothing owed."))
    }
}
