import Foundation
import GRDB
import LetheTestSupport
import Testing

/// Every `--json` output of the real `lethe` binary, pinned by a golden file in `Golden/` (one
/// per command and outcome; README's "JSON outputs" documents their schema). Users' scripts read
/// these: a change of key, type or date format shows up here.
///
/// After an intended change of output, re-record with
/// `LETHE_RECORD_GOLDEN=1 swift test --skip-build --filter JSONOutputGoldenTests`, review the diff,
/// rebuild (`swift build --build-tests`: the goldens are bundle resources) and run again.
@Suite struct JSONOutputGoldenTests {
    /// The history, run once (read-only for the tests).
    static let history: Result<[String: String], Error> = Result { try JSONHistory.run() }

    @Test(arguments: JSONHistory.names)
    func golden(_ name: String) throws {
        let outputs = try Self.history.get()
        let actual = try #require(outputs[name], "the history did not produce \(name)")
        guard let expected = try GoldenFile.expected(name, actual: actual, bundle: .module) else { return }
        #expect(actual == expected, "lethe's output differs from Golden/\(name); if intended, re-record with LETHE_RECORD_GOLDEN=1")
    }

    /// Lethe's one JSON convention: every key of every golden is snake_case (lower-case words
    /// joined by `_`), at every depth.
    @Test func everyKeyOfEveryGoldenIsSnakeCase() throws {
        let folder = try #require(Bundle.module.url(forResource: "Golden", withExtension: nil))
        let all = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
        #expect(Set(all.map(\.lastPathComponent)) == Set(JSONHistory.names + OperationsHistory.names + DatabaseCLITests.goldenNames + RestoreIntoDatabaseTests.goldenNames),
                "a golden file without a test, or a test without its golden")
        let files = all.filter { $0.pathExtension == "json" }
        let snake = try NSRegularExpression(pattern: "^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
        for file in files {
            var keys: [String] = []
            JSONHistory.collectKeys(try JSONSerialization.jsonObject(with: Data(contentsOf: file)), into: &keys)
            #expect(!keys.isEmpty, "\(file.lastPathComponent) has no keys")
            let bad = keys.filter { snake.firstMatch(in: $0, range: NSRange(location: 0, length: $0.utf16.count)) == nil }
            #expect(bad.isEmpty, "\(file.lastPathComponent): keys not in snake_case: \(bad)")
        }
    }

    /// Dates are ISO 8601 UTC with a `Z`, wherever a value looks like a date.
    @Test func everyDateOfEveryGoldenIsISO8601UTC() throws {
        let outputs = try Self.history.get()
        let anyDate = try NSRegularExpression(pattern: "\"\\d{4}-\\d{2}-\\d{2}[^\"]*\"")
        let utc = try NSRegularExpression(pattern: "^\"\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z\"$")
        for (name, text) in outputs {
            for match in anyDate.matches(in: text, range: NSRange(location: 0, length: text.utf16.count)) {
                let value = (text as NSString).substring(with: match.range)
                #expect(utc.firstMatch(in: value, range: NSRange(location: 0, length: value.utf16.count)) != nil, "\(name): \(value)")
            }
        }
    }
}

/// The history whose outputs the goldens pin: one customer (so no list depends on the random
/// order of pseudonyms), a home with a sealed escrow, a fixed clock (LETHE_NOW) at every step,
/// and source files with fixed times (so archive sizes are the same on every run).
enum JSONHistory {
    /// Golden names, in the order the history writes them.
    static let names = [
        "init.json", "backup.json", "nightly.json", "list-sets.json", "list-archives.json",
        "verify.json", "verify-ledger.json", "verify-copies.json", "restore.json", "export.json",
        "keys-status.json", "keys-rotate.json", "keys-escrow.json", "keys-recover.json",
        "expire-dry-run.json", "expire.json", "shred.json", "shred-batch.json",
        "verify-findings.json", "verify-ledger-broken.json",
    ]

    /// Runs the history and returns each output, normalised (``normalise(_:root:)``), by golden name.
    static func run() throws -> [String: String] {
        let root = try TemporaryDirectory(prefix: "lethe-json")
        defer { root.remove() }
        let source = root.url.appendingPathComponent("source")
        let home = root.url.appendingPathComponent("home")
        let store = home.appendingPathComponent("store")
        try addCustomer("alice", to: source)
        var outputs: [String: String] = [:]

        /// Runs `lethe arguments… --json` at `now`, expects `status`, and keeps its output as `name`.
        func json(_ name: String, _ now: String, _ arguments: [String], status: Int32 = 0, withHome: Bool = true) throws {
            let result = try LetheProcess.run(arguments + ["--json"] + (withHome ? ["--home", home.path] : []),
                                              environment: ["LETHE_NOW": now])
            guard result.status == status else {
                throw FixtureError("lethe \(arguments.joined(separator: " ")) --json exited \(result.status), not \(status): \(result.stderr)")
            }
            outputs[name] = normalise(result.stdout, root: root.url)
        }

        try json("init.json", "2026-11-01T00:00:00Z", [
            "init", "--home", home.path, "--source", source.path,
            "--recovery-key-out", root.url.appendingPathComponent("recovery.key").path,
            "--escrow-dir", root.url.appendingPathComponent("escrow").path,
        ], withHome: false)
        try json("backup.json", "2026-11-01T02:00:00Z", ["backup"])
        try json("nightly.json", "2026-11-02T02:00:00Z", ["nightly"])
        try json("list-sets.json", "2026-11-04T00:00:00Z", ["list", "sets"])
        try json("list-archives.json", "2026-11-04T00:00:00Z", ["list", "archives"])
        try json("verify.json", "2026-11-04T00:00:00Z", ["verify"])
        try json("verify-ledger.json", "2026-11-04T00:00:00Z", ["verify", "--ledger"])
        try json("verify-copies.json", "2026-11-04T00:00:00Z", ["verify", "--copies"])
        try json("restore.json", "2026-11-04T00:00:00Z", ["restore", "--customer", "alice", "--to", root.url.appendingPathComponent("restored").path])
        try json("export.json", "2026-11-04T00:00:00Z", ["export", "--customer", "alice", "--out", root.url.appendingPathComponent("alice.tar").path])
        try json("keys-status.json", "2026-11-04T00:00:00Z", ["keys", "status"])
        try json("keys-rotate.json", "2026-11-04T00:00:00Z", ["keys", "rotate"])
        try json("keys-escrow.json", "2026-11-04T00:00:00Z", ["keys", "escrow", "--raw"])
        try json("keys-recover.json", "2026-11-04T00:00:00Z", ["keys", "recover", "--recovery-key", root.url.appendingPathComponent("recovery.key").path])
        // The weekly set of 11-02 stays; a daily set of 11-03 is due on 11-10.
        _ = try LetheProcess.run(["backup", "--home", home.path], environment: ["LETHE_NOW": "2026-11-03T02:00:00Z"])
        try json("expire-dry-run.json", "2026-11-10T12:00:00Z", ["expire", "--dry-run"])
        try json("expire.json", "2026-11-10T12:00:00Z", ["expire"])
        try json("shred.json", "2026-11-10T13:00:00Z", ["shred", "--customer", "alice", "--request", "ERASURE-1", "--yes"])

        try addCustomer("bob", to: source)
        _ = try LetheProcess.run(["backup", "--home", home.path], environment: ["LETHE_NOW": "2026-11-11T02:00:00Z"])
        let list = root.url.appendingPathComponent("erasures.txt")
        try Data("bob\n".utf8).write(to: list)
        try json("shred-batch.json", "2026-11-11T12:00:00Z", ["shred", "--customers-from", list.path, "--request", "ERASURE-2", "--yes"])

        // An archive the catalog does not know, in the local store: a finding (exit 3).
        let stray = store.appendingPathComponent("archives/stray/unknown.lethe")
        try FileManager.default.createDirectory(at: stray.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("not an archive".utf8).write(to: stray)
        try json("verify-findings.json", "2026-11-12T00:00:00Z", ["verify"], status: 3)

        // One ledger event altered behind Lethe's back: the chain breaks there (exit 3).
        try DatabaseQueue(path: home.appendingPathComponent("catalog.sqlite").path).write { db in
            try db.execute(sql: "UPDATE ledger SET details = replace(details, 'local', 'offsite') WHERE seq = (SELECT MIN(seq) FROM ledger WHERE kind = 'copy.written')")
        }
        try json("verify-ledger-broken.json", "2026-11-12T00:00:00Z", ["verify", "--ledger"], status: 3)
        return outputs
    }

    /// Adds a customer folder with one small file, times pinned.
    static func addCustomer(_ name: String, to source: URL) throws {
        let folder = source.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("\(name)'s notes\n".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        try Tree.pinTimes(under: source)
    }

    /// The one normaliser of these goldens: ``GoldenNormaliser`` (the temporary folder, hashes and
    /// a raw KEK in hex, pseudonyms, set id suffixes, archive ids, the signing key's id), then
    /// what only the CLI prints: key fingerprints (KEK, customer key and recovery key ids: 32 hex
    /// digits) → `key-idN`, the minisign public key → `minisign-keyN`, the recovery public key →
    /// `recovery-keyN`. Counts, epochs and dates are not masked: the history fixes them. Sizes
    /// (`"bytes"`) are: an archive's manifest holds its files' inode numbers (issue 15), whose
    /// digits vary from one file system to the next.
    static func normalise(_ text: String, root: URL) -> String {
        let sized = text.replacingOccurrences(of: #""bytes" : [0-9]+"#, with: #""bytes" : "size""#, options: .regularExpression)
        return GoldenNormaliser.normalise(sized, root: root, extra: [
            (pattern: "\\b[0-9a-f]{32}\\b", prefix: "key-id"),
            (pattern: "\\bRW[A-Za-z0-9+/]{54}", prefix: "minisign-key"),
            (pattern: "(?<=lethe-recovery-public-v1:)[A-Za-z0-9+/]{43}=", prefix: "recovery-key"),
        ])
    }

    /// Every object key in `value`, at every depth.
    static func collectKeys(_ value: Any, into keys: inout [String]) {
        if let object = value as? [String: Any] {
            for (key, child) in object {
                keys.append(key)
                collectKeys(child, into: &keys)
            }
        } else if let array = value as? [Any] {
            for child in array { collectKeys(child, into: &keys) }
        }
    }
}
