import Foundation
import LetheJobs

/// Creating a benchmark's home.
enum BenchHomeSetup {
    /// Creates a home at `home` whose policy file holds `policy`: benchmarks simulate offsite
    /// copies without an offsite store (nothing is uploaded), which `init` refuses for a policy
    /// with an offsite block, so the home is created with the built-in policy and `policy` is
    /// written over it, as an operator editing the file would.
    static func create(home: URL, source: URL, policy: String, keyMirrors: [URL] = [], now: Date) throws {
        let configuration = try HomeSetup.create(.init(home: home, source: source, keyMirrors: keyMirrors), now: now)
        try policy.write(toFile: configuration.policy, atomically: true, encoding: .utf8)
    }
}
