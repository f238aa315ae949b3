import Foundation
import LetheTestSupport
import Testing

/// `lethe nightly --metrics-file` and the `metrics_file` setting through the real binary: the
/// file is written whatever the run's outcome, with its exit status, replaced atomically, and
/// read back by a strict reader of the text format.
@Suite struct MetricsFileTests {
    static func makeFixture() throws -> CLIFixture {
        let customers = ["alice": ["a.txt": Array("alice".utf8)], "bob": ["b.txt": Array("bob".utf8)]]
        let fixture = try CLIFixture(customers: customers, initArguments: { root in ["--key-mirror", root.appendingPathComponent("mirror").path] })
        fixture.environment["LETHE_NOW"] = "2026-11-01T02:00:00Z"
        return fixture
    }

    /// The value of `name`'s sample whose labels include `labels`.
    static func value(_ reader: PrometheusTextReader, _ name: String, _ labels: [String: String] = [:]) -> Double? {
        reader.families[name]?.samples.first { sample in labels.allSatisfy { sample.labels[$0.key] == $0.value } }?.value
    }

    /// A nightly that cannot even open its home (an invalid policy: exit 64) still writes the
    /// file: its exit status, start and end; nothing it could not read.
    @Test func writtenWhenTheNightlyFails() throws {
        let fixture = try Self.makeFixture()
        try Data("name: [unclosed\n".utf8).write(to: fixture.home.appendingPathComponent("policy.yaml"))
        let file = fixture.root.url.appendingPathComponent("lethe.prom")
        let result = try fixture.lethe(["nightly", "--metrics-file", file.path])
        #expect(result.status == 64, "\(result.stderr)")
        let reader = try PrometheusTextReader(try String(contentsOf: file, encoding: .utf8))
        #expect(Self.value(reader, "lethe_nightly_last_run_exit_status") == 64)
        #expect(Self.value(reader, "lethe_nightly_last_run_start_timestamp_seconds") == 1_793_498_400)  // 2026-11-01T02:00:00Z
        #expect(Self.value(reader, "lethe_nightly_last_run_end_timestamp_seconds") == 1_793_498_400)
        #expect(Self.value(reader, "lethe_nightly_last_run_customers", ["status": "committed"]) == 0)
        #expect(reader.families["lethe_copies"] == nil && reader.families["lethe_keys_healthy"] == nil)
    }

    /// A key mirror gone: the nightly exits 2, and the metrics say so (exit status 2, that
    /// directory unhealthy, the keys unhealthy), beside the two customers committed.
    @Test func unhealthyKeyDirectoryShows() throws {
        let fixture = try Self.makeFixture()
        let mirror = fixture.root.url.appendingPathComponent("mirror")
        try FileManager.default.removeItem(at: mirror)
        let file = fixture.root.url.appendingPathComponent("lethe.prom")
        #expect(try fixture.lethe(["nightly", "--metrics-file", file.path]).status == 2)
        let reader = try PrometheusTextReader(try String(contentsOf: file, encoding: .utf8))
        #expect(Self.value(reader, "lethe_nightly_last_run_exit_status") == 2)
        #expect(Self.value(reader, "lethe_nightly_last_run_customers", ["status": "committed"]) == 2)
        #expect(Self.value(reader, "lethe_keys_healthy") == 0)
        #expect(Self.value(reader, "lethe_key_directory_healthy", ["directory": mirror.path, "role": "mirror"]) == 0)
        #expect(Self.value(reader, "lethe_key_directory_healthy", ["role": "primary"]) == 1)
        #expect(Self.value(reader, "lethe_copies", ["location": "local", "state": "live"]) == 2)
    }

    /// `metrics_file` in lethe.json, relative to the home, is where a nightly without the option
    /// writes: a file already there is replaced by a new one (another inode: renamed into place,
    /// never rewritten in place), and no temporary file is left beside it. `--metrics-file`
    /// overrides the setting.
    @Test func settingIsRelativeToTheHomeAndReplacedAtomically() throws {
        let fixture = try Self.makeFixture()
        let config = fixture.home.appendingPathComponent("lethe.json")
        var settings = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: config)) as? [String: Any])
        settings["metrics_file"] = "metrics/lethe.prom"
        try JSONSerialization.data(withJSONObject: settings).write(to: config)
        let folder = fixture.home.appendingPathComponent("metrics")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("lethe.prom")
        try Data("# the previous run's\n".utf8).write(to: file)
        let before = try #require(try FileManager.default.attributesOfItem(atPath: file.path)[.systemFileNumber] as? UInt64)

        try fixture.succeed(["nightly"])
        let after = try #require(try FileManager.default.attributesOfItem(atPath: file.path)[.systemFileNumber] as? UInt64)
        #expect(after != before, "the file was rewritten in place, not replaced")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["lethe.prom"])
        let reader = try PrometheusTextReader(try String(contentsOf: file, encoding: .utf8))
        #expect(Self.value(reader, "lethe_nightly_last_run_exit_status") == 0)
        #expect(try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int == 0o644)

        let other = fixture.root.url.appendingPathComponent("other.prom")
        fixture.environment["LETHE_NOW"] = "2026-11-02T02:00:00Z"
        try fixture.succeed(["nightly", "--metrics-file", other.path])
        #expect(FileManager.default.fileExists(atPath: other.path))
        #expect(try FileManager.default.attributesOfItem(atPath: file.path)[.systemFileNumber] as? UInt64 == after)
    }

    /// Under the umask of `scripts/lethe-nightly.service` (0077) the file is still mode 0644:
    /// node_exporter runs as another user and must read it.
    @Test func readableByTheCollectorUnderAStrictUmask() throws {
        let fixture = try Self.makeFixture()
        let file = fixture.root.url.appendingPathComponent("lethe.prom")
        let result = try LetheProcess.run(["nightly", "--metrics-file", file.path, "--home", fixture.home.path], environment: fixture.environment,
                                          wrapper: ["/bin/sh", "-c", "umask 077 && exec \"$@\"", "sh"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int == 0o644)
    }

    /// A metrics file that cannot be written (its folder does not exist) is said on standard
    /// error; the run's own exit status stands.
    @Test func unwritableFileIsSaidNotFatal() throws {
        let fixture = try Self.makeFixture()
        let file = fixture.root.url.appendingPathComponent("missing/lethe.prom")
        let result = try fixture.lethe(["nightly", "--metrics-file", file.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("lethe: the metrics file was not written: cannot create \(file.path): the folder"), "\(result.stderr)")
    }
}
