import Foundation
import LetheTestSupport
import Testing

/// Durable before dependent (invariant 12), checked on the system calls of real `lethe` runs:
/// no archive is renamed into place while a write to the key store is unsynced, and nothing is
/// reported (a result on standard output, an event logged on standard error) while a write to the
/// key store or the catalog is unsynced. A killed
/// process cannot show this (the page cache survives it); a power cut would.
@Suite(.serialized) struct DurabilityTraceTests {
    @Test func backupOfNewCustomersPublishesNoArchiveBeforeItsKeysAreSynced() throws {
        let fixture = try CLIFixture(customers: Self.customers)
        fixture.environment["LETHE_NOW"] = "2026-11-02T01:00:00Z"
        let trace = try Self.traced(fixture, ["backup"])
        #expect(trace.renames.count == Self.customers.count, "one archive published per customer")
        #expect(trace.writes(to: "keystore.sqlite") > 0, "the backup created keys")
        #expect(trace.violations.isEmpty, "\(trace.violations)")
        #expect(trace.reports > 0)
    }

    @Test func shredReportsOnlyWhatIsSynced() throws {
        let fixture = try CLIFixture(customers: Self.customers)
        fixture.environment["LETHE_NOW"] = "2026-11-02T01:00:00Z"
        try fixture.succeed(["backup"])
        fixture.environment["LETHE_NOW"] = "2026-11-03T01:00:00Z"
        let trace = try Self.traced(fixture, ["shred", "--customer", "c1", "--request", "REQ-1", "--yes"])
        #expect(trace.writes(to: "keystore.sqlite") > 0 && trace.writes(to: "catalog.sqlite") > 0)
        #expect(trace.reports > 0, "the receipt was printed and the shred logged")
        #expect(trace.violations.isEmpty, "\(trace.violations)")
    }

    @Test func expireReportsOnlyWhatIsSynced() throws {
        let fixture = try CLIFixture(customers: Self.customers)
        fixture.environment["LETHE_NOW"] = "2026-11-02T01:00:00Z"
        try fixture.succeed(["backup"])  // the first set of the month: monthly
        fixture.environment["LETHE_NOW"] = "2026-11-03T01:00:00Z"
        try fixture.succeed(["backup"])  // daily, kept 7 days by the default policy
        fixture.environment["LETHE_NOW"] = "2026-11-12T01:00:00Z"
        let trace = try Self.traced(fixture, ["expire"])
        #expect(trace.writes(to: "keystore.sqlite") > 0, "expiry keys were destroyed")
        #expect(trace.writes(to: "catalog.sqlite") > 0, "deletions were recorded")
        #expect(trace.reports > 0, "the decisions were printed")
        #expect(trace.violations.isEmpty, "\(trace.violations)")
    }

    static let customers: [String: [String: [UInt8]]] = [
        "c1": ["a.txt": Array("one".utf8)], "c2": ["b.txt": Array("two".utf8)], "c3": ["c.txt": Array("three".utf8)],
    ]

    /// Runs `lethe arguments…` under strace and parses what it did.
    static func traced(_ fixture: CLIFixture, _ arguments: [String]) throws -> SyscallTrace {
        let log = fixture.root.url.appendingPathComponent("trace-\(arguments[0]).txt")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/strace")
        process.arguments = ["-f", "-y", "-s", "0", "-o", log.path,
                             "-e", "trace=write,pwrite64,pwritev,pwritev2,fsync,fdatasync,rename,renameat,renameat2",
                             LetheProcess.binary.path] + arguments + ["--home", fixture.home.path]
        var environment = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
        environment.merge(fixture.environment) { $1 }
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = Pipe()
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        _ = try (process.standardOutput as? Pipe)?.fileHandleForReading.readToEnd()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureError("lethe \(arguments.joined(separator: " ")) under strace exited \(process.terminationStatus): \(stderr)")
        }
        return SyscallTrace(parsing: try String(contentsOf: log, encoding: .utf8))
    }
}

/// The writes, syncs and renames of an `strace -f -y` log, replayed in order: which SQLite files
/// hold unsynced writes at each rename of an archive into place and at each report (a write to
/// standard output or standard error).
struct SyscallTrace {
    /// Renames of a `.lethe` archive into place, in order.
    private(set) var renames: [String] = []
    /// Writes to standard output or standard error: a result or an event reported.
    private(set) var reports = 0
    /// Each dependent step taken while a file it depends on held unsynced writes.
    private(set) var violations: [String] = []
    private var writeCounts: [String: Int] = [:]

    /// Unsynced writes: per file, per thread, the line of the thread's newest write.
    private var dirty: [String: [String: Int]] = [:]
    /// Syncs started but not finished, per thread: the file and the line they started on.
    private var syncing: [String: (path: String, line: Int)] = [:]

    /// Writes counted on files whose name ends with `suffix`'s file (`keystore.sqlite` counts its WAL too).
    func writes(to file: String) -> Int {
        writeCounts.filter { $0.key.hasSuffix("/" + file) || $0.key.hasSuffix("/" + file + "-wal") }.values.reduce(0, +)
    }

    init(parsing log: String) {
        for (number, line) in log.split(separator: "\n").enumerated() {
            let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard parts.count == 2 else { continue }
            let thread = String(parts[0])
            let call = parts[1].trimmingCharacters(in: .whitespaces)
            if call.hasPrefix("<... fsync resumed>") || call.hasPrefix("<... fdatasync resumed>") {
                if let started = syncing.removeValue(forKey: thread), call.hasSuffix("= 0") {
                    synced(started.path, startedAt: started.line)
                }
                continue
            }
            guard let open = call.firstIndex(of: "(") else { continue }
            let name = String(call[..<open])
            let arguments = call[call.index(after: open)...]
            switch name {
            case "write", "pwrite64", "pwritev", "pwritev2":
                if arguments.hasPrefix("1<") || arguments.hasPrefix("2<") {
                    // A thread reports its own commits: writes of another thread's transaction
                    // still in progress are not what it reports.
                    reports += 1
                    check(arguments.hasPrefix("1<") ? "a result on standard output" : "a log line", number,
                          file: nil, thread: thread)
                }
                if let path = Self.descriptorPath(arguments), Self.isDatabase(path) {
                    dirty[path, default: [:]][thread] = number
                    writeCounts[path, default: 0] += 1
                }
            case "fsync", "fdatasync":
                guard let path = Self.descriptorPath(arguments) else { continue }
                if call.hasSuffix("<unfinished ...>") { syncing[thread] = (path, number) }
                else if call.hasSuffix("= 0") { synced(path, startedAt: number) }
            case "rename", "renameat", "renameat2":
                if let target = Self.quoted(arguments).last, target.hasSuffix(".lethe") {
                    renames.append(target)
                    // Keys may be created by any thread: every unsynced key-store write counts.
                    check("rename into place of \(target)", number, file: "keystore.sqlite", thread: nil)
                }
            default: continue
            }
        }
    }

    /// A sync of `path` finished: writes made before it started are durable.
    private mutating func synced(_ path: String, startedAt line: Int) {
        dirty[path] = dirty[path]?.filter { $0.value > line }
    }

    /// Records a violation if a database file (only `file`'s, when given) holds unsynced writes
    /// (only `thread`'s, when given).
    private mutating func check(_ step: String, _ line: Int, file: String?, thread: String?) {
        let unsynced = dirty.filter { path, writers in
            (file.map { path.hasSuffix("/" + $0) || path.hasSuffix("/" + $0 + "-wal") } ?? true)
                && writers.keys.contains { thread == nil || $0 == thread }
        }.keys
        if !unsynced.isEmpty {
            violations.append("line \(line + 1): \(step) while unsynced: \(unsynced.sorted().map { ($0 as NSString).lastPathComponent })")
        }
    }

    /// The SQLite files a step can depend on: a database and its WAL (not the shared-memory index).
    static func isDatabase(_ path: String) -> Bool { path.hasSuffix(".sqlite") || path.hasSuffix(".sqlite-wal") }

    /// The path `strace -y` prints after the first argument's descriptor: `7</a/b>` gives `/a/b`.
    static func descriptorPath(_ arguments: Substring) -> String? {
        guard let start = arguments.firstIndex(of: "<"), let end = arguments[start...].firstIndex(of: ">") else { return nil }
        let path = arguments[arguments.index(after: start)..<end]
        return path.hasPrefix("/") ? String(path) : nil
    }

    /// The double-quoted strings among the arguments.
    static func quoted(_ arguments: Substring) -> [String] {
        arguments.split(separator: "\"", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }
}
