import Foundation
import LetheJobs
import LetheTestSupport
import Testing

@Suite struct HomeSetupTests {
    /// `init` without a policy writes a built-in default, word for word a file of `policies/` (the
    /// binary carries a copy, since it cannot read the repository): `default.yaml` (local and
    /// offsite) when an offsite store is given, `local-only.yaml` (the same local lifetimes, no
    /// offsite block) when none is, so that a home never keeps offsite copies it cannot make.
    @Test(arguments: [true, false])
    func theBuiltInDefaultPoliciesAreTheFilesInPolicies(offsite: Bool) throws {
        let root = try TemporaryDirectory()
        let source = root.url.appendingPathComponent("source")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        let home = root.url.appendingPathComponent("home")
        let settings = OffsiteSettings(endpoint: "http://127.0.0.1:9", region: "us-east-1", bucket: "lethe", pathStyle: true)
        let configuration = try HomeSetup.create(.init(home: home, source: source, offsite: offsite ? settings : nil),
                                                 now: Date(timeIntervalSince1970: 1_793_577_600))
        let written = try String(contentsOfFile: configuration.policy, encoding: .utf8)
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = offsite ? "policies/default.yaml" : "policies/local-only.yaml"
        let shipped = try String(contentsOf: packageRoot.appendingPathComponent(file), encoding: .utf8)
        #expect(written == shipped, "Sources/LetheJobs/DefaultPolicy.swift differs from \(file)")
    }

    /// Key directories carry a `CACHEDIR.TAG` (the standard signature), so host backups made with
    /// restic, Borg or GNU tar's exclude-caches options leave them out: a host backup of the
    /// home must not be a complete pre-shred key set.
    @Test func everyKeyDirectoryIsTaggedToBeLeftOutOfHostBackups() throws {
        let root = try TemporaryDirectory()
        let source = root.url.appendingPathComponent("source")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        let mirror = root.url.appendingPathComponent("vault/keys")
        let configuration = try HomeSetup.create(.init(home: root.url.appendingPathComponent("home"), source: source, keyMirrors: [mirror]),
                                                 now: Date(timeIntervalSince1970: 1_793_577_600))
        #expect(configuration.keyDirectories.count == 2)
        for directory in configuration.keyDirectories {
            let tag = try String(contentsOfFile: directory + "/CACHEDIR.TAG", encoding: .utf8)
            #expect(tag.hasPrefix("Signature: 8a477f597d28d172789f06886806bc55"))
        }
    }
}
