import Foundation
import LetheCore
import LethePolicy
import LetheTestSupport
import Testing

/// `lethe policy check` says, for each valid file, how backups write each class it keeps (full
/// or differentials, against what, per location): the same account as `Policy.levels`, whose
/// wording the LethePolicyTests goldens pin (Golden/levels-*.txt and .json).
@Suite struct PolicyCheckCLITests {
    static let files = ["policies/default.yaml", "policies/example.yaml", "policies/local-only.yaml"]
        .map { ShippedPolicy.packageRoot.appendingPathComponent($0).path }

    @Test func eachValidFileIsFollowedByItsLevels() throws {
        let result = try LetheProcess.run(["policy", "check"] + Self.files)
        #expect(result.status == 0, "\(result.stderr)")
        var expected = ""
        for file in Self.files {
            let policy = try PolicyLoader.load(path: file)
            expected += "\(file): ok (policy '\(policy.name)', time zone \(policy.timeZoneName))\n"
            expected += policy.levels.flatMap(\.lines).map { "  " + $0 + "\n" }.joined()
        }
        #expect(result.stdout == expected)
        #expect(result.stdout.contains("  weekly archives are written as differentials against the newest monthly archive\n"))
    }

    @Test func jsonGivesEachFileItsClassesAndProblemsStillFail() throws {
        let broken = try TemporaryDirectory(prefix: "lethe-policy")
        defer { broken.remove() }
        let bad = broken.url.appendingPathComponent("bad.yaml")
        try Data("name: broken\n".utf8).write(to: bad)
        let result = try LetheProcess.run(["policy", "check", "--json", Self.files[0], bad.path])
        #expect(result.status == 64, "a broken file still fails the check: \(result.stderr)")
        #expect(result.stderr.contains(bad.path))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let policies = try #require(document["policies"] as? [[String: Any]])
        #expect(policies.count == 1 && policies[0]["file"] as? String == Self.files[0] && policies[0]["policy"] as? String == "default"
                && policies[0]["time_zone"] as? String == "UTC")
        let levels = try PolicyLoader.load(path: Self.files[0]).levels
        let expected = try JSONSerialization.jsonObject(with: Data(try LetheJSON.text(levels).utf8)) as? NSArray
        #expect(policies[0]["classes"] as? NSArray == expected)
    }
}
