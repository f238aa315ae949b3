import Foundation
import LetheCore
import LetheJobs
import LetheTestSupport
import Testing

/// `lethe.json` moved to snake_case keys (version 2) with Lethe's one JSON convention, then to
/// paths relative to the home (version 3). Homes made
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

    /// `init` writes version 3: every key in snake_case, the paths inside the home relative to
    /// it, the source (outside the home) absolute; opened, every path is absolute again.
    @Test func newHomesAreWrittenInSnakeCaseWithPathsRelativeToTheHome() throws {
        let fixture = try JobFixture(customers: ["alice": ["a.txt": Array("alice".utf8)]])
        let data = try Data(contentsOf: fixture.homeURL.appendingPathComponent("lethe.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["version"] as? Int == 3)
        #expect(Set(object.keys) == ["version", "source", "store", "policy", "key_directories"])
        #expect(object["store"] as? String == "store" && object["policy"] as? String == "policy.yaml")
        #expect(object["key_directories"] as? [String] == ["keys"])
        #expect(object["source"] as? String == fixture.source.standardizedFileURL.path)
        let configuration = try fixture.home().configuration
        #expect(configuration.version == 3)
        #expect(configuration.store == fixture.homeURL.appendingPathComponent("store").standardizedFileURL.path)
        #expect(configuration.keyDirectories == [fixture.homeURL.appendingPathComponent("keys").standardizedFileURL.path])
    }

    /// The database settings: the map (in the home) is relative and follows the home; a password
    /// file outside it stays absolute; the URL is kept as written.
    @Test func theDatabaseMapFollowsTheHome() throws {
        let text = """
            {"version": 3, "source": "/src", "store": "store", "policy": "policy.yaml", "key_directories": ["keys"],
             "database": {"url": "postgresql://app@db:5432/crm", "map": "database-map.yaml", "password_file": "/etc/lethe/pgpassword"}}
            """
        let stored = try LetheJSON.decoder.decode(Configuration.self, from: Data(text.utf8))
        let resolved = stored.resolved(in: URL(fileURLWithPath: "/moved/home"))
        #expect(resolved.database == DatabaseSettings(url: "postgresql://app@db:5432/crm", map: "/moved/home/database-map.yaml",
                                                      passwordFile: "/etc/lethe/pgpassword"))
    }

    /// A version 2 file (snake_case, absolute paths, as `init` wrote before paths became
    /// relative) opens unchanged, and the home backs up.
    @Test func aVersionTwoFileWithAbsolutePathsStillWorks() throws {
        let fixture = try JobFixture(customers: ["alice": ["a.txt": Array("alice".utf8)]])
        let file = fixture.homeURL.appendingPathComponent("lethe.json")
        var old = try fixture.home().configuration
        old.version = 2
        let data = try LetheJSON.encoder.encode(old)
        try data.write(to: file)
        #expect(String(decoding: data, as: UTF8.self).contains("\"store\" : \"\(fixture.homeURL.path)/store\""))

        let home = try fixture.home()
        #expect(home.configuration == old)
        let outcome = try BackupJob(home: home).run()
        #expect(outcome.customers.map(\.status) == [.committed])
        #expect(try Data(contentsOf: file) == data, "opening a home must not rewrite its lethe.json")
    }

    /// A file of a newer version than this Lethe reads is refused (exit 64), naming the version.
    @Test func aNewerVersionIsRefused() throws {
        let fixture = try JobFixture(customers: ["alice": ["a.txt": Array("alice".utf8)]])
        let file = fixture.homeURL.appendingPathComponent("lethe.json")
        let text = try String(contentsOf: file, encoding: .utf8).replacingOccurrences(of: "\"version\" : 3", with: "\"version\" : 4")
        try Data(text.utf8).write(to: file)
        #expect {
            _ = try fixture.home()
        } throws: { error in
            "\(error)".contains("version 4, written by a newer Lethe")
        }
    }
}
