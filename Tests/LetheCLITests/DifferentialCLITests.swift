import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LetheTestSupport
import Testing

/// Differential archives (issue 15) through the real binary: a monthly (full), a weekly against
/// it, a daily against the weekly; each restores whole; a swapped base is refused with exit 3.
@Suite struct DifferentialCLITests {
    /// 2026-11-01 is a Sunday (the month's first set: monthly), 11-02 a Monday (weekly), 11-03 daily.
    static let nights = ["2026-11-01T01:00:00Z", "2026-11-02T01:00:00Z", "2026-11-03T01:00:00Z"]

    /// A home with three nights of one customer whose tree changes a little each night; the
    /// night-2 change renames a folder holding a large unchanged file. `configure` changes the
    /// home before the first night (an offsite store, say).
    static func threeNights(configure: (CLIFixture) throws -> Void = { _ in }) throws -> (fixture: CLIFixture, trees: [URL]) {
        var big = [UInt8](repeating: 0, count: 400_000)
        for index in big.indices { big[index] = UInt8(truncatingIfNeeded: (index &* 2_654_435_761) >> 13) }
        let fixture = try CLIFixture(customers: ["alice": ["docs/big.bin": big, "docs/small.txt": Array("one".utf8),
                                                           "notes.txt": Array("first".utf8)]],
                                     now: nights[0])
        let alice = fixture.source.appendingPathComponent("alice")
        var trees: [URL] = []
        func night(_ index: Int) throws {
            fixture.environment["LETHE_NOW"] = nights[index]
            try fixture.succeed(["backup"])
            let copy = fixture.root.url.appendingPathComponent("tree\(index)")
            let result = try LetheProcess.tool(["cp", "-a", alice.path, copy.path])
            guard result.status == 0 else { throw FixtureError("cp failed") }
            trees.append(copy)
        }
        try configure(fixture)
        try night(0)
        try FileManager.default.moveItem(at: alice.appendingPathComponent("docs"), to: alice.appendingPathComponent("papers"))
        try Data("second, longer".utf8).write(to: alice.appendingPathComponent("notes.txt"))
        try Data("new".utf8).write(to: alice.appendingPathComponent("papers/new.txt"))
        try night(1)
        try Data("third".utf8).write(to: alice.appendingPathComponent("papers/small.txt"))
        try night(2)
        return (fixture, trees)
    }

    static func localCopies(_ fixture: CLIFixture) throws -> [[String: Any]] {
        try fixture.copies(customer: "alice").filter { $0["location"] as? String == "local" }
            .sorted { ($0["set"] as? String ?? "") < ($1["set"] as? String ?? "") }
    }

    @Test func aWeeklyAndADailyAreDifferentialsThatRestoreWhole() throws {
        let (fixture, trees) = try Self.threeNights()
        let copies = try Self.localCopies(fixture)
        // Every copy reads back, each differential's unchanged files agreeing with its base's listing.
        try fixture.succeed(["verify", "--copies"])
        #expect(copies.map { $0["class"] as? String } == ["monthly", "weekly", "daily"])
        #expect(copies[0]["base"] is NSNull)
        #expect(copies[1]["base"] as? String == copies[0]["archive"] as? String)
        #expect(copies[2]["base"] as? String == copies[1]["archive"] as? String)
        // The large file, unchanged though its folder was renamed, is stored once: in the monthly.
        let sizes = copies.map { ($0["bytes"] as? Int) ?? 0 }
        #expect(sizes[1] < sizes[0] / 4 && sizes[2] < sizes[0] / 4, "sizes \(sizes)")
        for (index, copy) in copies.enumerated() {
            let target = fixture.root.url.appendingPathComponent("restored\(index)")
            try fixture.succeed(["restore", "--customer", "alice", "--set", copy["set"] as? String ?? "", "--to", target.path])
            let diff = try LetheProcess.tool(["diff", "-r", trees[index].path, target.path])
            #expect(diff.status == 0, "night \(index): \(diff.output)")
            let big = target.appendingPathComponent(index == 0 ? "docs/big.bin" : "papers/big.bin")
            let original = trees[index].appendingPathComponent(index == 0 ? "docs/big.bin" : "papers/big.bin")
            let times = try [big, original].map { try FileManager.default.attributesOfItem(atPath: $0.path)[.modificationDate] as? Date }
            #expect(times[0] == times[1])
        }
    }

    /// Two folders swapped between nights, each holding a file of the same size and time as the
    /// other's: the daily's bases, streamed after it, cannot settle those files by path, so the
    /// restore reads the chain again base first, in an emptied staging folder, and is whole.
    @Test func filesOfOneSizeAndTimeInSwappedFoldersRestoreWhole() throws {
        let fixture = try CLIFixture(customers: ["alice": ["a/x.txt": Array("aaaa".utf8), "b/x.txt": Array("bbbb".utf8),
                                                           "notes.txt": Array("first".utf8)]],
                                     now: Self.nights[0])
        let alice = fixture.source.appendingPathComponent("alice")
        for path in ["a/x.txt", "b/x.txt"] { Tree.setMtime(Array(alice.path.utf8), Array(path.utf8), seconds: 1_790_000_000, nanos: 0) }
        try fixture.succeed(["backup"])
        fixture.environment["LETHE_NOW"] = Self.nights[1]
        try fixture.succeed(["backup"])
        let manager = FileManager.default
        try manager.moveItem(at: alice.appendingPathComponent("a"), to: alice.appendingPathComponent("swap"))
        try manager.moveItem(at: alice.appendingPathComponent("b"), to: alice.appendingPathComponent("a"))
        try manager.moveItem(at: alice.appendingPathComponent("swap"), to: alice.appendingPathComponent("b"))
        fixture.environment["LETHE_NOW"] = Self.nights[2]
        try fixture.succeed(["backup"])
        let daily = try #require(try Self.localCopies(fixture).last)
        #expect(daily["class"] as? String == "daily" && daily["base"] is String)
        let target = fixture.root.url.appendingPathComponent("restored")
        try fixture.succeed(["restore", "--customer", "alice", "--set", daily["set"] as? String ?? "", "--to", target.path])
        let diff = try LetheProcess.tool(["diff", "-r", alice.path, target.path])
        #expect(diff.status == 0, "\(diff.output)")
        #expect(try String(contentsOf: target.appendingPathComponent("a/x.txt"), encoding: .utf8) == "bbbb")
        let leftovers = try manager.contentsOfDirectory(atPath: fixture.root.path).filter { $0.hasPrefix(".lethe-restore-") }
        #expect(leftovers.isEmpty, "staging and scratch folders removed: \(leftovers)")
    }

    @Test func aBaseSwappedForAnotherArchiveOfTheCustomerIsRefused() throws {
        let (fixture, _) = try Self.threeNights()
        let copies = try Self.localCopies(fixture)
        let files = copies.map { fixture.store.appendingPathComponent($0["object_key"] as? String ?? "") }
        // The weekly (the daily's base) replaced by the monthly: a full archive of another set.
        try FileManager.default.removeItem(at: files[1])
        try FileManager.default.copyItem(at: files[0], to: files[1])
        let target = fixture.root.url.appendingPathComponent("refused")
        let result = try fixture.lethe(["restore", "--customer", "alice", "--set", copies[2]["set"] as? String ?? "", "--to", target.path])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: target.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.root.url.path).allSatisfy { !$0.hasPrefix(".lethe-restore") })
        // The monthly (the weekly's base) replaced by the daily: another archive of the same customer.
        try FileManager.default.removeItem(at: files[0])
        try FileManager.default.copyItem(at: files[2], to: files[0])
        let second = try fixture.lethe(["restore", "--customer", "alice", "--set", copies[1]["set"] as? String ?? "", "--to", target.path])
        #expect(second.status == 3, "\(second.stderr)")
        #expect(!FileManager.default.fileExists(atPath: target.path))
    }

    /// A differential whose base has no readable copy at its location: exit 5, naming the base
    /// and the store, nothing written.
    @Test func aBaseWithNoCopyAtTheLocationIsNotFound() throws {
        let (fixture, _) = try Self.threeNights()
        let copies = try Self.localCopies(fixture)
        let weekly = try #require(copies[1]["archive"] as? String)
        let marked = try LetheProcess.tool(["sqlite3", fixture.home.appendingPathComponent("catalog.sqlite").path,
                                            "UPDATE copies SET state = 'deleted' WHERE archive_id = '\(weekly)'"])
        #expect(marked.status == 0, "\(marked.output)")
        let target = fixture.root.url.appendingPathComponent("refused")
        let result = try fixture.lethe(["restore", "--customer", "alice", "--set", copies[2]["set"] as? String ?? "", "--to", target.path])
        #expect(result.status == 5, "\(result.stderr)")
        #expect(result.stderr.contains("base archive \(weekly)") && result.stderr.contains("local store"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: target.path))
    }

    /// `verify --copies` compares each differential's unchanged (`from_base`) files with its
    /// base's listing, not only at restore. The catalog's base index is edited (as damage would)
    /// to say a file that changed after the monthly is the monthly's: the weekly then lists it
    /// `from_base` with its new size and time, which the monthly's listing does not have. The
    /// weekly's restore is refused (exit 3), and so is `verify --copies`, naming the weekly's
    /// copy and only it.
    @Test func verifyCopiesComparesADifferentialsUnchangedFilesWithItsBase() throws {
        let fixture = try CLIFixture(customers: ["alice": ["docs/small.txt": Array("one".utf8), "notes.txt": Array("first".utf8)]],
                                     now: Self.nights[0])
        let small = fixture.source.appendingPathComponent("alice/docs/small.txt")
        try fixture.succeed(["backup"])
        try Data("one, then more".utf8).write(to: small)
        var info = stat()
        #expect(lstat(small.path, &info) == 0)
        let mtime = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        let ctime = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
        let edited = try LetheProcess.tool(["sqlite3", fixture.home.appendingPathComponent("catalog.sqlite").path,
                                            "UPDATE base_entries SET size = \(info.st_size), mtime_ns = \(mtime), ctime_ns = \(ctime) WHERE inode = \(info.st_ino)"])
        #expect(edited.status == 0, "\(edited.output)")
        fixture.environment["LETHE_NOW"] = Self.nights[1]
        try fixture.succeed(["backup"])
        let copies = try Self.localCopies(fixture)
        #expect(copies.map { $0["class"] as? String } == ["monthly", "weekly"])
        let weeklyKey = try #require(copies[1]["object_key"] as? String)
        #expect(copies[1]["base"] as? String == copies[0]["archive"] as? String)

        let target = fixture.root.url.appendingPathComponent("refused")
        let restore = try fixture.lethe(["restore", "--customer", "alice", "--set", copies[1]["set"] as? String ?? "", "--to", target.path])
        #expect(restore.status == 3, "\(restore.stderr)")
        let verify = try fixture.lethe(["verify", "--copies"])
        #expect(verify.status == 3, "\(verify.stdout)\(verify.stderr)")
        let failed = verify.stdout.split(separator: "\n").filter { $0.contains("FAILED") }
        #expect(failed.count == 1 && failed.first?.contains(weeklyKey) == true, "\(verify.stdout)")
        #expect(failed.first?.contains("base") == true, "\(verify.stdout)")
    }

    /// `export` of a daily follows its chain: the exported tar holds the whole tree.
    @Test func anExportOfADailyHoldsTheWholeTree() throws {
        let (fixture, trees) = try Self.threeNights()
        let copies = try Self.localCopies(fixture)
        let output = fixture.root.url.appendingPathComponent("daily.tar")
        try fixture.succeed(["export", "--customer", "alice", "--set", copies[2]["set"] as? String ?? "", "--out", output.path])
        let unpacked = fixture.root.url.appendingPathComponent("unpacked")
        try FileManager.default.createDirectory(at: unpacked, withIntermediateDirectories: false)
        let untar = try LetheProcess.tool(["tar", "-xf", output.path, "-C", unpacked.path])
        #expect(untar.status == 0, "\(untar.output)")
        let diff = try LetheProcess.tool(["diff", "-r", trees[2].path, unpacked.path])
        #expect(diff.status == 0, "\(diff.output)")
    }
}
