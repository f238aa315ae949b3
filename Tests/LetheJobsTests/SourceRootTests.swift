import Foundation
import LetheCore
import LetheJobs
import LetheTestSupport
import Testing

/// Discovery of the source root: every name reaches a folder of its own, or is refused.
@Suite struct SourceRootTests {
    static let customers: [String: [String: [UInt8]]] = [
        "globex": ["docs/plans.txt": Array("globex plans".utf8)],
        "initech": ["tps.txt": Array("initech".utf8)],
    ]

    func link(_ fixture: JobFixture, _ name: String, to destination: String) throws {
        try FileManager.default.createSymbolicLink(atPath: fixture.source.appendingPathComponent(name).path,
                                                   withDestinationPath: destination)
    }

    /// A symlink into another customer's folder (`globex-docs -> globex/docs`) would back up
    /// part of globex under a second key: both names are refused, initech is committed.
    @Test func aSymlinkIntoAnotherCustomersFolderRefusesBoth() throws {
        let fixture = try JobFixture(customers: Self.customers)
        try link(fixture, "globex-docs", to: "globex/docs")
        let outcome = try BackupJob(home: fixture.home()).run()
        #expect(outcome.state == .partial)
        #expect(outcome.customers.map(\.status.rawValue).sorted() == ["committed", "failed", "failed"])
        #expect(try Inventory(home: fixture.home()).copies().count == 1)
        #expect(outcome.aliases.map { $0.names.map { String(decoding: $0.bytes, as: UTF8.self) } } == [["globex", "globex-docs"]])
    }

    /// Nested through a folder outside the root: `globex -> /disk2/globex` and
    /// `globex-docs -> /disk2/globex/docs` would store part of globex under two keys.
    @Test func aSymlinkIntoAnOutsideCustomerFolderRefusesBoth() throws {
        let fixture = try JobFixture(customers: ["initech": ["tps.txt": Array("initech".utf8)]])
        let disk = fixture.root.url.appendingPathComponent("disk2/globex")
        try FileManager.default.createDirectory(at: disk.appendingPathComponent("docs"), withIntermediateDirectories: true)
        try Data("globex plans".utf8).write(to: disk.appendingPathComponent("docs/plans.txt"))
        try link(fixture, "globex", to: disk.path)
        try link(fixture, "globex-docs", to: disk.appendingPathComponent("docs").path)
        let outcome = try BackupJob(home: fixture.home()).run()
        #expect(outcome.customers.map(\.status.rawValue).sorted() == ["committed", "failed", "failed"])
        #expect(try Inventory(home: fixture.home()).copies().count == 1)
        #expect(outcome.aliases.map { $0.names.map { String(decoding: $0.bytes, as: UTF8.self) } } == [["globex", "globex-docs"]])
    }

    /// A symlink to the source root itself (or to a folder holding it) would back up every
    /// customer under one key; one into a dot-folder reaches no customer of its own. Each is
    /// refused alone; the customers it would have swallowed are still backed up.
    @Test func aSymlinkToTheRootItselfIsRefused() throws {
        let fixture = try JobFixture(customers: Self.customers.merging([".snapshot": ["s.txt": Array("snap".utf8)]]) { a, _ in a })
        try link(fixture, "everyone", to: ".")
        try link(fixture, "up", to: "..")
        try link(fixture, "snap", to: ".snapshot")
        let outcome = try BackupJob(home: fixture.home()).run()
        #expect(outcome.customers.map(\.status.rawValue).sorted() == ["committed", "committed", "failed", "failed", "failed"])
        #expect(try Inventory(home: fixture.home()).copies().count == 2)
        #expect(outcome.aliases.map { $0.names.map { String(decoding: $0.bytes, as: UTF8.self) } } == [["everyone"], ["snap"], ["up"]])
    }

    /// No id in any log line: the refusal names pseudonyms (when the customer has one) only.
    @Test func refusalsLogNoCustomerIds() throws {
        let fixture = try JobFixture(customers: Self.customers)
        try link(fixture, "globex-alias", to: "globex")
        _ = try BackupJob(home: fixture.home()).run()
        #expect(!fixture.logLines.isEmpty)
        #expect(fixture.logLines.allSatisfy { !$0.contains("globex") && !$0.contains("initech") })
        #expect(fixture.logLines.filter { $0.contains("backup.customer.aliased") }.count == 2)
    }

    /// Whether this machine lets the tests bind-mount (root with the capability: not in every
    /// container), tried once on two empty temporary folders.
    static let canBindMount: Bool = {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/bin/mount"),
              let root = try? TemporaryDirectory() else { return false }
        let from = root.url.appendingPathComponent("from"), to = root.url.appendingPathComponent("to")
        guard (try? FileManager.default.createDirectory(at: from, withIntermediateDirectories: false)) != nil,
              (try? FileManager.default.createDirectory(at: to, withIntermediateDirectories: false)) != nil,
              run("/bin/mount", ["--bind", from.path, to.path]) == 0 else { return false }
        return run("/bin/umount", [to.path]) == 0
    }()

    /// A bind mount is not a symlink: the same device and inode under two names is still one
    /// folder. Needs a root that may mount (skipped elsewhere).
    @Test(.enabled(if: Self.canBindMount))
    func aBindMountIsAnAlias() throws {
        let fixture = try JobFixture(customers: Self.customers)
        let mountPoint = fixture.source.appendingPathComponent("globex-bound")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: false)
        guard Self.run("/bin/mount", ["--bind", fixture.source.appendingPathComponent("globex").path, mountPoint.path]) == 0 else {
            Issue.record("mount --bind failed although a trial bind mount worked")
            return
        }
        // Unmounted before the fixture's folder is removed (it lives until this defer).
        defer { withExtendedLifetime(fixture) { _ = Self.run("/bin/umount", [mountPoint.path]) } }
        let outcome = try BackupJob(home: fixture.home()).run()
        #expect(outcome.customers.map(\.status.rawValue).sorted() == ["committed", "failed", "failed"])
        #expect(outcome.aliases.map { $0.names.count } == [2])
    }

    static func run(_ tool: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
