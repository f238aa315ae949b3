import Foundation
import LetheTestSupport
import Testing

/// An invalid policy file blocks only the commands that plan retention or write copies: restoring,
/// listing and verifying existing copies needs no policy (each copy's delete-by is fixed in it).
@Suite struct InvalidPolicyTests {
    /// With the home's policy file broken after a backup, `restore`, `list archives`, `verify` and
    /// `keys status` exit 0 and warn once on stderr naming the file and `lethe policy check`;
    /// `backup` still refuses with 64.
    @Test func brokenPolicyBlocksBackupButNotRecovery() throws {
        let fixture = try CLIFixture(customers: ["alice": ["a.txt": Array("alice".utf8)]])
        try fixture.succeed(["backup"])
        let configuration = try Data(contentsOf: fixture.home.appendingPathComponent("lethe.json"))
        let settings = try #require(try JSONSerialization.jsonObject(with: configuration) as? [String: Any])
        // Relative to the home since lethe.json version 3.
        let policyPath = fixture.home.appendingPathComponent(try #require(settings["policy"] as? String)).path
        try Data("name: broken\nlocal: [not, a, map\n".utf8).write(to: URL(fileURLWithPath: policyPath))

        let target = fixture.root.url.appendingPathComponent("restored").path
        for arguments in [["restore", "--customer", "alice", "--to", target], ["list", "archives"], ["verify"],
                          ["keys", "status"]] {
            let result = try fixture.lethe(arguments)
            #expect(result.status == 0, "\(arguments) exited \(result.status): \(result.stderr)")
            let warnings = result.stderr.split(separator: "\n").filter { $0.contains("lethe policy check") }
            #expect(warnings.count == 1 && warnings.allSatisfy { $0.contains(policyPath) },
                    "\(arguments) stderr: \(result.stderr)")
        }
        #expect(try String(contentsOfFile: target + "/a.txt", encoding: .utf8) == "alice")

        let backup = try fixture.lethe(["backup"])
        #expect(backup.status == 64, "backup exited \(backup.status): \(backup.stderr)")
    }
}
