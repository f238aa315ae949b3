import Foundation
import LetheTestSupport
import Testing

/// What an operator's monitoring reads, pinned for a fixed home: the metrics file of `lethe
/// nightly --metrics-file` (`nightly-metrics.prom`), and `lethe doctor` with `--json`
/// (`doctor.json`) and without (`doctor.txt`). Re-record as JSONOutputGoldenTests says
/// (`LETHE_RECORD_GOLDEN=1`, then rebuild: the goldens are bundle resources).
@Suite struct OperationsGoldenTests {
    static let history: Result<OperationsHistory.Outputs, Error> = Result { try OperationsHistory.run() }

    @Test(arguments: OperationsHistory.names)
    func golden(_ name: String) throws {
        let outputs = try Self.history.get()
        let actual = try #require(outputs.normalised[name], "the history did not produce \(name)")
        guard let expected = try GoldenFile.expected(name, actual: actual, bundle: .module) else { return }
        #expect(actual == expected, "lethe's output differs from Golden/\(name); if intended, re-record with LETHE_RECORD_GOLDEN=1")
    }

    /// The metrics file reads back under a strict reader of the text format's grammar: every
    /// family is a `lethe_` gauge with HELP and TYPE, the key mirror's path (quote, backslash and
    /// line feed in its name) comes back exactly from its escaped label, and neither a customer
    /// id nor a pseudonym appears anywhere.
    @Test func metricsFileKeepsTheTextFormat() throws {
        let outputs = try Self.history.get()
        let reader = try PrometheusTextReader(outputs.metrics)
        #expect(reader.order.count == 15, "families: \(reader.order)")
        for name in reader.order {
            let family = try #require(reader.families[name])
            #expect(name.hasPrefix("lethe_"), "\(name)")
            #expect(family.type == "gauge", "\(name): \(family.type ?? "no TYPE")")
            #expect(family.help?.isEmpty == false, "\(name) has no HELP")
            #expect(!family.samples.isEmpty, "\(name) has no sample")
        }
        let directories = try #require(reader.families["lethe_key_directory_healthy"]).samples
        #expect(directories.map { $0.labels["directory"] } == [outputs.home + "/keys", outputs.root + "/" + OperationsHistory.mirrorName])
        #expect(directories.allSatisfy { $0.value == 1 })
        #expect(reader.families["lethe_nightly_last_run_exit_status"]?.samples.first?.value == 0)
        let committed = reader.families["lethe_nightly_last_run_customers"]?.samples.first { $0.labels["status"] == "committed" }
        #expect(committed?.value == 2)
        for id in ["alice", "bob"] { #expect(!outputs.metrics.contains(id)) }
        #expect(outputs.metrics.range(of: "p[a-z2-7]{26}", options: .regularExpression) == nil, "a pseudonym in the metrics")
    }
}

/// The history of the operations goldens: two customers, a local-only policy file (so that no
/// default policy change moves the goldens), a key mirror whose name needs escaping in a label,
/// a sealed escrow, two nightly runs, both verifications, then the doctor.
enum OperationsHistory {
    static let names = ["nightly-metrics.prom", "doctor.json", "doctor.txt"]
    /// The key mirror's folder name: a quote, a backslash and a line feed.
    static let mirrorName = "mirror \"q\" \\ x\nline"

    struct Outputs {
        /// Golden name → normalised output.
        var normalised: [String: String]
        /// The metrics file as written (not normalised).
        var metrics: String
        /// The temporary root and the home, as they were.
        var root: String
        var home: String
    }

    static let localPolicy = """
        name: local-only
        timezone: UTC
        max_age: 190d
        local: { daily: 7d, weekly: 5w, monthly: 6m }

        """

    static func run() throws -> Outputs {
        let root = try TemporaryDirectory(prefix: "lethe-ops")
        defer { root.remove() }
        let source = root.url.appendingPathComponent("source")
        let home = root.url.appendingPathComponent("home")
        let policy = root.url.appendingPathComponent("local-only.yaml")
        let metrics = root.url.appendingPathComponent("lethe.prom")
        try Data(localPolicy.utf8).write(to: policy)
        try JSONHistory.addCustomer("alice", to: source)
        try JSONHistory.addCustomer("bob", to: source)

        func lethe(_ now: String, _ arguments: [String], status: Int32 = 0, withHome: Bool = true) throws -> String {
            let result = try LetheProcess.run(arguments + (withHome ? ["--home", home.path] : []), environment: ["LETHE_NOW": now])
            guard result.status == status else {
                throw FixtureError("lethe \(arguments.joined(separator: " ")) exited \(result.status), not \(status): \(result.stderr)")
            }
            return result.stdout
        }
        _ = try lethe("2026-11-01T00:00:00Z", [
            "init", "--home", home.path, "--source", source.path, "--policy", policy.path,
            "--key-mirror", root.url.appendingPathComponent(mirrorName).path,
            "--recovery-key-out", root.url.appendingPathComponent("recovery.key").path,
            "--escrow-dir", root.url.appendingPathComponent("escrow").path,
        ], withHome: false)
        _ = try lethe("2026-11-01T02:00:00Z", ["nightly"])
        _ = try lethe("2026-11-02T02:00:00Z", ["nightly", "--metrics-file", metrics.path])
        _ = try lethe("2026-11-02T03:00:00Z", ["verify"])
        _ = try lethe("2026-11-02T03:00:00Z", ["verify", "--copies"])
        let doctorJSON = try lethe("2026-11-03T00:00:00Z", ["doctor", "--json"])
        let doctorText = try lethe("2026-11-03T00:00:00Z", ["doctor"])
        let written = try String(contentsOf: metrics, encoding: .utf8)
        let normalise = { (text: String) in GoldenNormaliser.normalise(text, root: root.url) }
        // The bytes written vary with the inode numbers the archives' manifests hold (issue 15).
        let sized = written.replacingOccurrences(of: #"(written_bytes\{location="local"\}) [0-9]+"#, with: "$1 size",
                                                 options: .regularExpression)
        return Outputs(normalised: ["nightly-metrics.prom": normalise(sized), "doctor.json": normalise(doctorJSON),
                                    "doctor.txt": normalise(doctorText)],
                       metrics: written, root: root.url.path, home: home.path)
    }
}

/// The strict reader refuses what the text format's grammar does not allow, so a metrics file
/// it reads is one the grammar allows (a reader that took anything would prove nothing).
@Suite struct PrometheusTextReaderTests {
    @Test(arguments: [
        ("m 1", "no final line feed"),
        ("m{a=\"x\"y\"} 1\n", "an unescaped quote"),
        ("m{a=\"\\t\"} 1\n", "an escape the format does not have"),
        ("m{a=x} 1\n", "an unquoted label value"),
        ("m{1a=\"x\"} 1\n", "an invalid label name"),
        ("m{a=\"x\",a=\"y\"} 1\n", "a label twice"),
        ("1m 1\n", "an invalid metric name"),
        ("m one\n", "a value that is no number"),
        ("m 1 2.5\n", "a timestamp that is no integer"),
        ("m 1\nm 2\n", "a series twice"),
        ("m{a=\"1\"} 1\nn 1\nm{a=\"2\"} 1\n", "a family's samples apart"),
        ("m 1\n# TYPE m gauge\n", "TYPE after the samples"),
        ("# TYPE m gauge\n# TYPE m gauge\nm 1\n", "a second TYPE"),
        ("# TYPE m gauges\nm 1\n", "an unknown type"),
        ("# HELP m a \\q\nm 1\n", "an escape HELP does not have"),
    ])
    func refuses(_ text: String, _ why: String) {
        #expect(throws: PrometheusTextReader.Problem.self, "\(why)") { try PrometheusTextReader(text) }
    }

    @Test func readsWhatTheGrammarAllows() throws {
        let reader = try PrometheusTextReader("""
            # HELP m a \\\\ and \\n line
            # TYPE m gauge
            m{a="q\\"\\\\\\n",b="",} -Inf 1700000000000
            m{a="2"} 1.5e3

            # a comment
            n NaN

            """)
        #expect(reader.order == ["m", "n"])
        #expect(reader.families["m"]?.help == "a \\ and \n line")
        #expect(reader.families["m"]?.samples.map(\.labels) == [["a": "q\"\\\n", "b": ""], ["a": "2"]])
        #expect(reader.families["m"]?.samples.map(\.value) == [-.infinity, 1500])
        #expect(reader.families["n"]?.samples.first?.value.isNaN == true)
    }
}
