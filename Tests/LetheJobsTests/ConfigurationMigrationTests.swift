import Foundation
import LetheCore
import LetheJobs
import LetheTestSupport
import Testing

/// `lethe.json` moved to snake_case keys (version 2) with Lethe's one JSON convention. Homes made
/// before keep their version 1 file, with camelCase keys: it must read exactly as before.
/// The fixtures in `Fixtures/` are version 1 files as `lethe init` wrote them (paths under
/// `/ROOT`, replaced by a test folder).
@Suite struct ConfigurationMigrationTests {
    /// A version 1 fixture with `/ROOT` replaced by `root`.
    static func versionOne(_ name: String, root: URL) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
        return Data(try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "/ROOT", with: root.path).utf8)
    }

    /// Every key of a version 1 file, the offsite and escrow settings included, reads into the
    /// same configuration as its version 2 twin.
    @Test func aVersionOneFileReadsEveryField() throws {
        let configuration = try LetheJSON.decoder.decode(Configuration.self, from: Self.versionOne("lethe-v1", root: URL(fileURLWithPath: "/r")))
        var expected = Configuration(source: "/r/source", store: "/r/home/store", policy: "/r/home/policy.yaml",
                                     keyDirectories: ["/r/home/keys", "/r/mirror"],
                                     offsite: OffsiteSettings(endpoint: "http://backup.example.com:9000", region: "eu-central-1",
                                                              bucket: "lethe-offsite", pathStyle: true, credentialsFile: "/r/aws-credentials",
                                                              profile: "lethe", allowInsecureHTTP: true),
                                     recoveryPublicKey: "lethe-recovery-public-v1:T2mby79bm4aKIyYv93wiRNVXycyvSLjxL0PNfLMZ900=",
                                     escrowDirectories: ["/r/vault"])
        expected.version = 1
        #expect(configuration == expected)

        // Written again, it is in snake_case, and reads back the same.
        let written = try LetheJSON.encoder.encode(configuration)
        let text = String(decoding: written, as: UTF8.self)
        for key in ["key_directories", "escrow_directories", "recovery_public_key", "path_style", "credentials_file", "allow_insecure_http"] {
            #expect(text.contains("\"\(key)\" : "), "\(key) missing from \(text)")
        }
        #expect(try LetheJSON.decoder.decode(Configuration.self, from: written) == configuration)
    }

    /// A home made before the change opens with its version 1 file untouched, and backs up.
    @Test func aHomeWithAVersionOneFileStillWorks() throws {
        let fixture = try JobFixture(customers: ["alice": ["a.txt": Array("alice".utf8)]])
        let file = fixture.homeURL.appendingPathComponent("lethe.json")
        let new = try fixture.home().configuration
        let old = try Self.versionOne("lethe-v1-plain", root: fixture.root.url)
        try old.write(to: file)

        let home = try fixture.home()
        var expected = new
        expected.version = 1
        #expect(home.configuration == expected)
        let outcome = try BackupJob(home: home).run()
        #expect(outcome.customers.map(\.status) == [.committed])
        #expect(try Data(contentsOf: file) == old, "opening a home must not rewrite its lethe.json")
    }

    /// `init` writes version 2: every key in snake_case.
    @Test func newHomesAreWrittenInSnakeCase() throws {
        let fixture = try JobFixture(customers: ["alice": ["a.txt": Array("alice".utf8)]])
        let data = try Data(contentsOf: fixture.homeURL.appendingPathComponent("lethe.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["version"] as? Int == 2)
        #expect(Set(object.keys) == ["version", "source", "store", "policy", "key_directories"])
        #expect(try fixture.home().configuration.version == 2)
    }
}
