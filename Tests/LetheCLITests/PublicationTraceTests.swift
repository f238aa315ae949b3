import Foundation
import LetheTestSupport
import Testing

/// Crash-safe publication in batches (invariants 7 and 12), checked on the system calls of a
/// real `lethe backup` under `strace -f -y`: every archive's bytes are synced before it is
/// renamed into place, and its rename is synced before any write to the catalog's WAL that
/// follows it (so no catalog commit can claim an archive a power cut could still take back).
@Suite(.serialized) struct PublicationTraceTests {
    @Test func noCatalogWriteBeforeTheArchivesItFollowsAreSynced() throws {
        var customers: [String: [String: [UInt8]]] = [:]
        for n in 0..<70 { customers["c\(n)"] = ["a.txt": Array("customer \(n)".utf8)] }  // more than one batch of 64
        let fixture = try CLIFixture(customers: customers)
        fixture.environment["LETHE_NOW"] = "2026-11-02T01:00:00Z"
        let log = fixture.root.url.appendingPathComponent("trace.txt")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/strace")
        process.arguments = ["-f", "-y", "-o", log.path,
                             "-e", "trace=write,pwrite64,fsync,fdatasync,syncfs,rename,renameat,renameat2",
                             LetheProcess.binary.path, "backup", "--home", fixture.home.path]
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()].merging(fixture.environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let trace = PublicationTrace(parsing: try String(contentsOf: log, encoding: .utf8))
        #expect(trace.renames == 70)
        #expect(trace.catalogWrites > 0)
        #expect(trace.violations.isEmpty, "\(trace.violations.prefix(5))")
    }

    /// The checker finds each wrong order in a written trace.
    @Test func theCheckerFindsAnArchiveRenamedOrClaimedBeforeItsSync() {
        let unsyncedData = """
            1  write(5</s/archives/p/.tmp-a>, "", 10) = 10
            1  rename("/s/archives/p/.tmp-a", "/s/archives/p/x.lethe") = 0
            1  syncfs(6</s>) = 0
            1 pwrite64(7</h/catalog.sqlite-wal>, "", 10, 0) = 10
            """
        #expect(PublicationTrace(parsing: unsyncedData).violations.count == 1)
        let unsyncedRename = """
            1 write(5</s/archives/p/.tmp-a>, "", 10) = 10
            1 syncfs(6</s>) = 0
            1 rename("/s/archives/p/.tmp-a", "/s/archives/p/x.lethe") = 0
            2 syncfs(6</s> <unfinished ...>
            1 pwrite64(7</h/catalog.sqlite-wal>, "", 10, 0) = 10
            2 <... syncfs resumed>) = 0
            """
        #expect(PublicationTrace(parsing: unsyncedRename).violations.count == 1)
        let inOrder = """
            1 write(5</s/archives/p/.tmp-a>, "", 10) = 10
            1 fsync(5</s/archives/p/.tmp-a>) = 0
            1 rename("/s/archives/p/.tmp-a", "/s/archives/p/x.lethe") = 0
            1 fsync(8</s/archives/p>) = 0
            1 pwrite64(7</h/catalog.sqlite-wal>, "", 10, 0) = 10
            """
        #expect(PublicationTrace(parsing: inOrder).violations.isEmpty)
    }
}

/// The archive publications of an `strace -f -y` log, replayed in order.
struct PublicationTrace {
    /// Archives renamed into place.
    private(set) var renames = 0
    /// Writes to the catalog's WAL.
    private(set) var catalogWrites = 0
    /// Each archive renamed before its bytes were synced, or a catalog write made before an
    /// archive renamed earlier had its rename synced.
    private(set) var violations: [String] = []

    private var lastWrite: [String: Int] = [:]
    /// Finished syncs: what they synced (a path, or "" for a whole file system) and the lines
    /// they started and finished on.
    private var syncs: [(path: String, start: Int, end: Int)] = []
    private var started: [String: (path: String, line: Int)] = [:]
    private var renamed: [(archive: String, line: Int)] = []

    init(parsing log: String) {
        for (line, text) in log.split(separator: "\n").enumerated() {
            let parts = text.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { continue }
            // strace pads the thread id: short ids are followed by more than one space.
            let thread = String(parts[0]), call = parts[1].trimmingCharacters(in: .whitespaces)
            if call.hasPrefix("<... fsync resumed>") || call.hasPrefix("<... fdatasync resumed>") || call.hasPrefix("<... syncfs resumed>") {
                if let begun = started.removeValue(forKey: thread), call.hasSuffix("= 0") { syncs.append((begun.path, begun.line, line)) }
                continue
            }
            guard let open = call.firstIndex(of: "(") else { continue }
            let name = call[..<open], arguments = call[call.index(after: open)...]
            switch name {
            case "write", "pwrite64":
                guard let path = SyscallTrace.descriptorPath(arguments) else { continue }
                lastWrite[path] = line
                if path.hasSuffix("/catalog.sqlite-wal") {
                    catalogWrites += 1
                    let unsynced = renamed.filter { !synced(after: $0.line, before: line, covering: $0.archive) }
                    for archive in unsynced {
                        violations.append("line \(line + 1): a catalog write before the rename of \(archive.archive) was synced")
                    }
                    renamed = unsynced  // a synced rename stays synced
                }
            case "fsync", "fdatasync", "syncfs":
                guard let path = SyscallTrace.descriptorPath(arguments) else { continue }
                let what = name == "syncfs" ? "" : path
                if call.hasSuffix("<unfinished ...>") { started[thread] = (what, line) }
                else if call.hasSuffix("= 0") { syncs.append((what, line, line)) }
            case "rename", "renameat", "renameat2":
                let names = SyscallTrace.quoted(arguments)
                guard names.count == 2, names[1].hasSuffix(".lethe") else { continue }
                renames += 1
                let written = lastWrite[names[0]] ?? -1
                if !syncs.contains(where: { ($0.path.isEmpty || $0.path == names[0]) && $0.start > written && $0.end < line }) {
                    violations.append("line \(line + 1): \(names[1]) renamed before its bytes were synced")
                }
                renamed.append((names[1], line))
            default: continue
            }
        }
    }

    /// Whether a sync of the whole file system, or of `archive`'s folder, started after `from`
    /// and finished before `to`.
    private func synced(after from: Int, before to: Int, covering archive: String) -> Bool {
        let folder = (archive as NSString).deletingLastPathComponent
        return syncs.contains { ($0.path.isEmpty || $0.path == folder) && $0.start > from && $0.end < to }
    }
}
