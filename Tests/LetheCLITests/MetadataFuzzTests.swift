import Foundation
import LetheTestSupport
import Testing

/// Damaged metadata is an integrity error, never a crash.
///
/// One small real home is built once (three customers, two backups, one shred). Each seeded case
/// copies it, writes random bytes, zeros or letters at random offsets into the copy's
/// `catalog.sqlite`, `keystore.sqlite` or one stored archive, and runs every read-only command on
/// it with the real binary (on a damaged archive, every one that reads archives). Every run must
/// end with an exit code from the table in DESIGN.md, never by a signal, never with a Swift trap
/// or backtrace on standard error, never printing a customer id; and a damaged SQLite file that
/// SQLite reports as malformed must be reported as an integrity failure (exit 3).
///
/// Deterministic: case `n` of seed `s` always writes the same bytes at the same offsets. The
/// home's keys, pseudonyms and set ids are random (Lethe offers no seed for them), so the files'
/// layout is the same from run to run but the bytes around the damage are not: a failure prints
/// the seed, the case, every write (offset, length, first bytes) and the command to rerun it.
/// `LETHE_FUZZ_SEED`, `LETHE_FUZZ_CASES` and `LETHE_FUZZ_FIRST_CASE` explore further locally.
@Suite struct MetadataFuzzTests {
    static let defaultSeed: UInt64 = 0x4C45_5448_4500_0008
    /// A third of the cases damage each target.
    static let defaultCases = 240
    /// The exit codes of DESIGN.md.
    static let exitCodes: Set<Int32> = [0, 1, 2, 3, 4, 5, 6, 64]
    /// What a Swift trap or the runtime's crash handler prints.
    static let crashMarks = ["Fatal error", "Backtrace", "Program crashed", "Illegal instruction", "Current stack trace",
                             "Segmentation fault", "precondition failed", "Assertion failed"]
    /// What SQLite says about a file it found damaged, and what Lethe says then.
    static let sqliteDamageMarks = ["malformed", "not a database", "is damaged (quick_check"]
    static let now = "2026-11-04T00:00:00Z"

    /// The read-only commands; `{restore}` is replaced by a fresh folder.
    static let commands: [[String]] = [
        ["verify"], ["verify", "--ledger"], ["verify", "--copies"], ["report", "--format", "json"],
        ["list", "sets", "--json"], ["list", "archives", "--json"], ["keys", "status"],
        ["restore", "--customer", "alice-7731", "--to", "{restore}"],
    ]

    /// The base home's customers: ids no pseudonym, path or message of Lethe's can contain by
    /// chance (a hyphen and digits), so finding one in any output is a leak (invariant 9).
    static let customerIDs = ["alice-7731", "bob-7732", "carol-7733"]

    /// The commands that read a stored archive's bytes (or its size): the only ones an archive's
    /// damage can reach, so the only ones run on it (the others never open an archive).
    static let archiveCommands: [[String]] = [
        ["verify"], ["verify", "--copies"], ["restore", "--customer", "alice-7731", "--to", "{restore}"],
    ]

    /// Which file a case damages.
    enum Target: String, CaseIterable {
        case catalog, keyStore = "key store", archive
    }

    /// One case's damage: where, and which bytes.
    struct Damage: CustomStringConvertible {
        var target: Target
        /// The damaged file, relative to the home.
        var file: String
        var writes: [(offset: Int, bytes: [UInt8])]

        var description: String {
            "\(file): " + writes.map { write in
                "\(write.bytes.count) byte(s) at \(write.offset) ("
                    + write.bytes.prefix(16).map { String(format: "%02x", $0) }.joined() + (write.bytes.count > 16 ? "…)" : ")")
            }.joined(separator: ", ")
        }
    }

    /// How one command ended, and why that breaks the contract (nil when it does not).
    struct Finding: CustomStringConvertible {
        var caseIndex: Int
        var damage: Damage
        var command: [String]
        var status: Int32
        var signalled: Bool
        var stderr: String
        var problem: String

        var description: String {
            """
            case \(caseIndex) (seed \(String(format: "0x%016llx", MetadataFuzzTests.seed)), damage: \(damage)):
              `lethe \(command.joined(separator: " "))` \(problem): \(signalled ? "signal" : "exit") \(status)
              reproduce: LETHE_FUZZ_SEED=\(MetadataFuzzTests.seed) LETHE_FUZZ_FIRST_CASE=\(caseIndex) LETHE_FUZZ_CASES=1 swift test --filter MetadataFuzzTests
              stderr:
            \(stderr.split(separator: "\n", omittingEmptySubsequences: false).prefix(40).map { "    " + $0 }.joined(separator: "\n"))
            """
        }
    }

    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["LETHE_FUZZ_SEED"].flatMap { UInt64($0) } ?? defaultSeed
    }

    @Test func damagedMetadataAndArchivesNeverCrashACommand() throws {
        let environment = ProcessInfo.processInfo.environment
        let cases = environment["LETHE_FUZZ_CASES"].flatMap { Int($0) } ?? Self.defaultCases
        let first = environment["LETHE_FUZZ_FIRST_CASE"].flatMap { Int($0) } ?? 0
        let base = try Self.makeHome()
        let work = try TemporaryDirectory(prefix: "lethe-fuzz")
        let archives = regularFiles(under: base.store).map { String($0.path.dropFirst(base.home.path.count + 1)) }
            .filter { $0.hasSuffix(".lethe") }.sorted()
        try #require(!archives.isEmpty, "the base home holds archives")

        let baseHome = base.home
        let tally = Tally()
        let workers = min(4, max(2, ProcessInfo.processInfo.activeProcessorCount + 1))
        let started = Date()
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let index = tally.nextCase(first: first, count: cases) {
                var generator = SplitMix64(seed: Self.seed ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15))
                let damage = Self.damage(index, archives: archives, home: baseHome, using: &generator)
                do {
                    let findings = try Self.run(index, damage: damage, base: baseHome, in: work.url, tally: tally)
                    if let finding = findings.first { tally.fail(finding) }
                } catch {
                    tally.fail(Finding(caseIndex: index, damage: damage, command: [], status: -1, signalled: false,
                                       stderr: "\(error)", problem: "could not be set up"))
                }
            }
        }
        print("MetadataFuzzTests: seed \(Self.seed), cases \(first)..<\(first + cases), \(workers) workers, "
              + String(format: "%.1f s; ", Date().timeIntervalSince(started)) + tally.summary)
        withExtendedLifetime(base) {}
        if let finding = tally.firstFinding {
            Issue.record("\(finding)")
        }
    }

    // MARK: The base home

    /// Three customers, two nightly backups, one customer shredded: every table has rows.
    static func makeHome() throws -> CLIFixture {
        let fixture = try CLIFixture(customers: [
            customerIDs[0]: ["note.txt": Array("hello alice".utf8), "docs/a.bin": randomBytes(40_000, seed: 11)],
            customerIDs[1]: ["b.txt": Array("hello bob".utf8)],
            customerIDs[2]: ["c.bin": randomBytes(3_000, seed: 12)],
        ])
        fixture.environment["LETHE_NOW"] = "2026-11-02T01:00:00Z"
        try fixture.succeed(["backup"])
        fixture.environment["LETHE_NOW"] = "2026-11-03T01:00:00Z"
        try fixture.succeed(["backup"])
        try fixture.succeed(["shred", "--customer", customerIDs[2], "--request", "REQ-1", "--yes"])
        fixture.environment["LETHE_NOW"] = now
        // Every read-only command passes on the undamaged home.
        for command in commands {
            let restore = fixture.root.url.appendingPathComponent("restored-base").path
            try fixture.succeed(command.map { $0 == "{restore}" ? restore : $0 })
        }
        return fixture
    }

    // MARK: One case

    /// The damage of case `index`: 1 to 4 writes (random bytes, zeros or letters), a fifth of
    /// them into the file's first page (SQLite's header and schema, or the archive header), the
    /// rest anywhere.
    static func damage(_ index: Int, archives: [String], home: URL, using generator: inout SplitMix64) -> Damage {
        let target = Target.allCases[index % Target.allCases.count]
        let file: String
        switch target {
        case .catalog: file = "catalog.sqlite"
        case .keyStore: file = "keystore.sqlite"
        case .archive: file = archives[generator.below(archives.count)]
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: home.appendingPathComponent(file).path)[.size] as? Int) ?? 0
        var writes: [(offset: Int, bytes: [UInt8])] = []
        for _ in 0..<(1 + generator.below(4)) {
            let roll = generator.below(10)
            let length = roll < 6 ? 1 + generator.below(8) : roll < 9 ? 9 + generator.below(56) : 65 + generator.below(960)
            let region = generator.below(5) == 0 ? min(size, 4096) : size
            let offset = generator.below(max(1, region))
            let count = max(1, min(length, size - offset))
            // Random bytes; a zeroed run (a torn or zeroed sector: NULL where a row had values);
            // or ASCII letters (rot that still parses: a renamed column, an altered id).
            let kind = generator.below(4)
            writes.append((offset, (0..<count).map { _ in
                switch kind {
                case 0: return 0
                case 1: return UInt8(ascii: "a") + UInt8(generator.below(26))
                default: return UInt8(truncatingIfNeeded: generator.next())
                }
            }))
        }
        return Damage(target: target, file: file, writes: writes)
    }

    /// Copies the home, damages the copy and runs every command on it; returns what broke the contract.
    static func run(_ index: Int, damage: Damage, base: URL, in work: URL, tally: Tally) throws -> [Finding] {
        let folder = work.appendingPathComponent("case-\(index)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        let home = folder.appendingPathComponent("home")
        try FileManager.default.copyItem(at: base, to: home)
        try rehome(home, from: base)
        let handle = try FileHandle(forUpdating: home.appendingPathComponent(damage.file))
        for write in damage.writes {
            try handle.seek(toOffset: UInt64(write.offset))
            try handle.write(contentsOf: write.bytes)
        }
        try handle.close()

        var findings: [Finding] = []
        for (number, command) in (damage.target == .archive ? archiveCommands : commands).enumerated() {
            let arguments = command.map { $0 == "{restore}" ? folder.appendingPathComponent("restored").path : $0 }
            let outcome = try runLethe(arguments + ["--home", home.path], output: folder.appendingPathComponent("run-\(number)"))
            tally.count(damage.target, command: command, status: outcome.signalled ? -outcome.status : outcome.status)
            var problem: String?
            if outcome.timedOut {
                problem = "did not finish within \(Int(timeout)) s"
            } else if outcome.signalled {
                problem = "was killed by a signal"
            } else if !exitCodes.contains(outcome.status) {
                problem = "exited with a code outside the table"
            } else if let mark = crashMarks.first(where: { outcome.stderr.contains($0) }) {
                problem = "printed crash text (\"\(mark)\")"
            } else if customerIDs.contains(where: { outcome.stderr.contains($0) || outcome.stdout.contains($0) }) {
                problem = "printed a customer id"
            } else if outcome.status != 3, damage.target != .archive,
                      let mark = sqliteDamageMarks.first(where: { outcome.stderr.contains($0) }) {
                problem = "reported SQLite damage (\"\(mark)\") as something other than an integrity failure"
            }
            if let problem {
                findings.append(Finding(caseIndex: index, damage: damage, command: command, status: outcome.status,
                                        signalled: outcome.signalled, stderr: outcome.stderr, problem: problem))
                break
            }
        }
        return findings
    }

    /// Points the copied home's configuration (store, policy, key directories) at the copy.
    static func rehome(_ home: URL, from original: URL) throws {
        let file = home.appendingPathComponent("lethe.json")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: file))
        func replace(_ value: Any) -> Any {
            switch value {
            case let text as String where text.hasPrefix(original.path + "/"):
                return home.path + text.dropFirst(original.path.count)
            case let array as [Any]: return array.map(replace)
            case let dictionary as [String: Any]: return dictionary.mapValues(replace)
            default: return value
            }
        }
        try JSONSerialization.data(withJSONObject: replace(object)).write(to: file)
    }

    // MARK: Running lethe

    static let timeout: TimeInterval = 120

    struct Outcome {
        var status: Int32
        var signalled: Bool
        var timedOut: Bool
        var stdout: String
        var stderr: String
    }

    /// Runs the real binary with output in files (no pipe to fill), killing it after `timeout`.
    static func runLethe(_ arguments: [String], output: URL) throws -> Outcome {
        let out = output.appendingPathExtension("out"), err = output.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = LetheProcess.binary
        process.arguments = arguments
        var environment = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "LETHE_NOW": now]
        if let tmp = ProcessInfo.processInfo.environment["TMPDIR"] { environment["TMPDIR"] = tmp }
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let outHandle = try FileHandle(forWritingTo: out), errHandle = try FileHandle(forWritingTo: err)
        defer { try? outHandle.close(); try? errHandle.close() }
        process.standardOutput = outHandle
        process.standardError = errHandle
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(2_000) }
        let timedOut = process.isRunning
        if timedOut { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
                       timedOut: timedOut, stdout: String(decoding: (try? Data(contentsOf: out)) ?? Data(), as: UTF8.self),
                       stderr: String(decoding: (try? Data(contentsOf: err)) ?? Data(), as: UTF8.self))
    }

    // MARK: Bookkeeping

    /// Hands out cases, keeps the first finding (by case number) and counts how runs ended.
    final class Tally: @unchecked Sendable {
        private let lock = NSLock()
        private var next = 0
        private var findings: [Finding] = []
        private var counts: [String: [Int32: Int]] = [:]

        /// The next case to run, or nil once all ran or one broke the contract.
        func nextCase(first: Int, count: Int) -> Int? {
            lock.withLock {
                guard findings.isEmpty, next < count else { return nil }
                defer { next += 1 }
                return first + next
            }
        }

        func fail(_ finding: Finding) { lock.withLock { findings.append(finding) } }

        func count(_ target: Target, command: [String], status: Int32) {
            lock.withLock { counts[target.rawValue, default: [:]][status, default: 0] += 1 }
        }

        /// The finding of the lowest case number (cases run in parallel; this one is reproducible).
        var firstFinding: Finding? { lock.withLock { findings.min { $0.caseIndex < $1.caseIndex } } }

        /// Exit codes seen per damaged target ("-N" for signal N).
        var summary: String {
            lock.withLock {
                counts.keys.sorted().map { target in
                    "\(target): " + counts[target]!.keys.sorted().map { "exit \($0) ×\(counts[target]![$0]!)" }.joined(separator: ", ")
                }.joined(separator: "; ")
            }
        }
    }
}

/// A small, fast, seedable generator (SplitMix64): the same seed gives the same cases everywhere.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in 0..<bound (bound > 0).
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
