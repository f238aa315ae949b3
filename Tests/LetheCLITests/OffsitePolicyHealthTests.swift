import Foundation
import LetheTestSupport
import Testing

/// A policy that keeps offsite copies needs an offsite store (issue 12, finding 2): `init`
/// without one writes a local-only policy, refuses an explicit policy with an offsite block, and
/// `nightly` and the report flag a home that got into that state anyway.
@Suite struct OffsitePolicyHealthTests {

    /// `init` with no offsite settings writes the built-in local-only policy (no offsite block):
    /// the nightly job then does everything its policy asks, and exits 0.
    @Test func initWithoutOffsiteWritesALocalOnlyPolicyAndNightlyExitsZero() throws {
        let fixture = try CLIFixture(customers: ["alice": ["a.txt": Array("alice".utf8)]])
        let policy = try String(contentsOf: fixture.home.appendingPathComponent("policy.yaml"), encoding: .utf8)
        #expect(!policy.split(separator: "\n").contains { $0.hasPrefix("offsite:") }, "\(policy)")
        #expect(policy.contains("local:   { daily: 7d, weekly: 5w, monthly: 6m }"))
        fixture.environment["LETHE_NOW"] = "2026-11-01T02:00:00Z"
        let nightly = try fixture.lethe(["nightly"])
        #expect(nightly.status == 0, "\(nightly.stderr)")
        #expect(!nightly.stderr.contains("offsite"), "\(nightly.stderr)")
    }

    /// An explicit policy with an offsite block and no offsite settings is refused before anything
    /// is created (exit 64), saying both ways out.
    @Test func initWithAnOffsitePolicyAndNoOffsiteStoreIsRefused() throws {
        let root = try TemporaryDirectory(prefix: "lethe-cli")
        defer { root.remove() }
        let source = root.url.appendingPathComponent("source")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        let home = root.url.appendingPathComponent("home")
        let result = try LetheProcess.run(["init", "--home", home.path, "--source", source.path,
                                           "--policy", ShippedPolicy.packageRoot.appendingPathComponent("policies/default.yaml").path])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("--offsite-endpoint") && result.stderr.contains("remove the offsite block"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: home.path))
    }

    /// A home whose policy was edited to keep offsite copies (or made before this check) while it
    /// has no offsite store: `nightly` commits the local set but exits 2 and says what to do, and
    /// the report's verdict is not green and names the problem and the fix.
    @Test func aHomeWhosePolicyKeepsOffsiteCopiesWithoutAStoreIsFlagged() throws {
        let fixture = try CLIFixture(customers: ["alice": ["a.txt": Array("alice".utf8)]])
        try FileManager.default.removeItem(at: fixture.home.appendingPathComponent("policy.yaml"))
        try FileManager.default.copyItem(at: ShippedPolicy.packageRoot.appendingPathComponent("policies/default.yaml"),
                                         to: fixture.home.appendingPathComponent("policy.yaml"))
        fixture.environment["LETHE_NOW"] = "2026-11-02T02:00:00Z"
        let nightly = try fixture.lethe(["nightly"])
        #expect(nightly.status == 2, "\(nightly.stderr)")
        #expect(nightly.stderr.contains("no offsite store") && nightly.stderr.contains("lethe.json")
                && nightly.stderr.contains("remove the offsite block"), "\(nightly.stderr)")
        #expect(try fixture.copies().filter { $0["location"] as? String == "local" }.count == 1, "the local set is committed")
        try fixture.succeed(["verify"])

        let report = try fixture.succeed(["report", "--format", "json"])
        let summary = try #require((try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Any])?["summary"] as? [String: Any])
        #expect(summary["ok"] as? Bool == false)
        let headline = try #require(summary["headline"] as? String)
        #expect(headline.contains("no offsite store"), "\(headline)")
        #expect((summary["problems"] as? [String])?.contains { $0.contains("lethe.json") && $0.contains("remove the offsite block") } == true)
        let html = try fixture.succeed(["report"])
        #expect(html.contains("<section class=\"verdict bad\">"))
    }
}
