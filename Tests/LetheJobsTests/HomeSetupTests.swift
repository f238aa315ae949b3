import Foundation
import LetheJobs
import LetheTestSupport
import Testing

@Suite struct HomeSetupTests {
    /// The built-in defaults are word for word files of `policies/` (the binary carries a copy,
    /// since it cannot read the repository): `default.yaml` (local and offsite) for a home with
    /// an offsite store, `local-only.yaml` (the same local lifetimes, no offsite block) otherwise.
    @Test(arguments: [true, false])
    func theBuiltInDefaultPoliciesAreTheFilesInPolicies(offsite: Bool) throws {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = offsite ? "policies/default.yaml" : "policies/local-only.yaml"
        let shipped = try String(contentsOf: packageRoot.appendingPathComponent(file), encoding: .utf8)
        #expect(DefaultPolicy.text(offsite: offsite) == shipped, "Sources/LetheJobs/DefaultPolicy.swift differs from \(file)")
    }

    /// `init` without a policy or an offsite store writes the local-only default, so that a new
    /// home never keeps offsite copies it cannot make. (With an offsite store, `init` checks the
    /// store first: `AtomicInitTests.aMissingBucketIsRefusedOrCreatedOnRequest` covers that case on moto.)
    @Test func initWithoutAnOffsiteStoreWritesTheLocalOnlyPolicy() throws {
        let root = try TemporaryDirectory()
        let source = root.url.appendingPathComponent("source")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        let configuration = try HomeSetup.create(.init(home: root.url.appendingPathComponent("home"), source: source),
                                                 now: Date(timeIntervalSince1970: 1_793_577_600))
        let written = try String(contentsOfFile: configuration.policy, encoding: .utf8)
        #expect(written == DefaultPolicy.text(offsite: false))
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
