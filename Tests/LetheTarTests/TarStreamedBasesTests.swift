import Foundation
import LetheCore
import LetheTestSupport
import Testing
@testable import LetheTar
#if canImport(Glibc)
import Glibc
#endif

/// A chain of three archives (a full, a differential against it, a differential against that)
/// unpacked newest first, its bases streamed after it (issue 15: a daily restores within 1.2×
/// of a full by writing each file once).
@Suite struct TarStreamedBasesTests {
    /// The three streams of a chain packed from `source` as `change` edits it between them.
    struct Chain {
        var monthly = BufferSink(), weekly = BufferSink(), daily = BufferSink()
        var dailyReport: PackReport?

        init(_ source: URL, weeklyChange: () throws -> Void, dailyChange: () throws -> Void) throws {
            let full = try TarPacker.pack(folder: source, into: monthly)
            try weeklyChange()
            let week = try TarPacker.pack(folder: source, into: weekly,
                                          against: PackBase(archive: "monthly", index: TarDifferentialTests.index(full)))
            try dailyChange()
            dailyReport = try TarPacker.pack(folder: source, into: daily,
                                             against: PackBase(archive: "weekly", index: TarDifferentialTests.index(week)))
        }

        /// The bases as streams, counting the scratch folders made.
        func bases(in temp: TempFolder, scratches: Counter) -> StreamedBases {
            StreamedBases(archives: ["weekly", "monthly"], read: { position, body in
                try body(BufferSource(position == 0 ? weekly.bytes : monthly.bytes))
            }, makeScratch: {
                scratches.count += 1
                return temp.folder("scratch-\(scratches.count)")
            })
        }
    }

    final class Counter: @unchecked Sendable { var count = 0 }

    /// A tree whose files share one modification time (set before the first pack: changing a
    /// time later changes the file's ctime, and the file is then packed again).
    static func tree(in temp: TempFolder) -> (URL, [UInt8]) {
        let source = temp.folder("source", mode: 0o755)
        let root = Array(source.path.utf8)
        Tree.mkdir(root, "a"); Tree.mkdir(root, "b"); Tree.mkdir(root, "keep")
        Tree.file(root, "a/x.txt", Array("aaaa".utf8))
        Tree.file(root, "b/x.txt", Array("bbbb".utf8))
        Tree.file(root, "keep/big.bin", Tree.noise(300_000, seed: 7))
        Tree.file(root, "keep/twin.txt", Array("twin".utf8), mode: 0o640)
        precondition(link(source.path + "/keep/twin.txt", source.path + "/keep/twin-link.txt") == 0)
        for path in ["a/x.txt", "b/x.txt", "keep/big.bin", "keep/twin.txt"] {
            Tree.setMtime(root, Array(path.utf8), seconds: 1_790_000_000, nanos: 5)
        }
        return (source, root)
    }

    @Test func movedFilesAndHardLinksAreTakenFromTheStreamsThroughTheScratchFolder() throws {
        let temp = TempFolder()
        let (source, root) = Self.tree(in: temp)
        let chain = try Chain(source, weeklyChange: {
            Tree.file(root, "weekly-new.txt", Array("added on the weekly".utf8))
        }, dailyChange: {
            precondition(rename(source.path + "/keep", source.path + "/moved") == 0)
            Tree.file(root, "daily-new.txt", Array("added on the daily".utf8))
        })
        #expect(chain.dailyReport?.fromBase == 6, "every file but the daily's new one comes from a base")
        let staging = temp.folder("staging")
        let scratches = Counter()
        let report = try TarUnpacker.unpack(from: BufferSource(chain.daily.bytes), into: staging,
                                            base: .streamed(chain.bases(in: temp, scratches: scratches)))
        #expect(Tree.snapshot(Array(staging.path.utf8)) == Tree.snapshot(root))
        #expect(report.files == 7)
        #expect(scratches.count == 1, "the moved folder's files wait in one scratch folder")
        #expect(!FileManager.default.fileExists(atPath: temp.url.appendingPathComponent("scratch-1").path), "removed after")
    }

    @Test func filesInTheirPlacesNeedNoScratchFolder() throws {
        let temp = TempFolder()
        let (source, root) = Self.tree(in: temp)
        let chain = try Chain(source, weeklyChange: {
            try Data("changed on the weekly".utf8).write(to: source.appendingPathComponent("keep/big.bin"))
        }, dailyChange: {
            Tree.file(root, "keep/daily.txt", Array("daily".utf8))
        })
        let staging = temp.folder("staging")
        let scratches = Counter()
        _ = try TarUnpacker.unpack(from: BufferSource(chain.daily.bytes), into: staging,
                                   base: .streamed(chain.bases(in: temp, scratches: scratches)))
        #expect(Tree.snapshot(Array(staging.path.utf8)) == Tree.snapshot(root))
        #expect(scratches.count == 0, "a base file of a needed size and time at another path would wait there")
    }

    @Test func twoFilesOfOneSizeAndTimeThatSwappedPlacesSendTheRestoreBackToTheBasesTrees() throws {
        let temp = TempFolder()
        let (source, root) = Self.tree(in: temp)
        // Swapping the folders keeps each file's ctime: both stay unchanged, each now at the
        // other's path, with the other's size and time.
        let chain = try Chain(source, weeklyChange: {}, dailyChange: {
            precondition(rename(source.path + "/a", source.path + "/swap") == 0)
            precondition(rename(source.path + "/b", source.path + "/a") == 0)
            precondition(rename(source.path + "/swap", source.path + "/b") == 0)
        })
        let scratches = Counter()
        #expect(throws: StreamedBasesFallback.self) {
            try TarUnpacker.unpack(from: BufferSource(chain.daily.bytes), into: temp.folder("streamed"),
                                   base: .streamed(chain.bases(in: temp, scratches: scratches)))
        }
        // Read base first, the same chain restores whole.
        let monthlyTree = temp.folder("monthly")
        let monthly = try TarUnpacker.unpack(from: BufferSource(chain.monthly.bytes), into: monthlyTree)
        let weeklyTree = temp.folder("weekly")
        let weekly = try TarUnpacker.unpack(from: BufferSource(chain.weekly.bytes), into: weeklyTree,
                                            base: .restored(UnpackBase(archive: "monthly", tree: monthlyTree, listing: try #require(monthly.listing))))
        let staging = temp.folder("staging")
        _ = try TarUnpacker.unpack(from: BufferSource(chain.daily.bytes), into: staging,
                                   base: .restored(UnpackBase(archive: "weekly", tree: weeklyTree, listing: try #require(weekly.listing))))
        #expect(Tree.snapshot(Array(staging.path.utf8)) == Tree.snapshot(root))
        #expect(Tree.readFile(Array((staging.path + "/a/x.txt").utf8)) == Array("bbbb".utf8))
    }

    @Test func aBaseWhoseFileHasAnotherSizeSendsTheRestoreBackToTheBasesTrees() throws {
        let temp = TempFolder()
        let (base, differential, _) = try TarDifferentialTests.differentialAgainstAGrownFile(in: temp)
        let bases = StreamedBases(archives: ["b"], read: { _, body in try body(BufferSource(base.bytes)) },
                                  makeScratch: { temp.folder("scratch") })
        #expect(throws: StreamedBasesFallback.self) {
            try TarUnpacker.unpack(from: BufferSource(differential.bytes), into: temp.folder("staging"), base: .streamed(bases))
        }
    }

    @Test func aDifferentialNamingAnotherBaseSendsTheRestoreBackToTheBasesTrees() throws {
        let temp = TempFolder()
        let (source, _) = Self.tree(in: temp)
        let chain = try Chain(source, weeklyChange: {}, dailyChange: {})
        let bases = StreamedBases(archives: ["another", "monthly"], read: { _, _ in Issue.record("no base is read") },
                                  makeScratch: { temp.folder("scratch") })
        #expect(throws: StreamedBasesFallback.self) {
            try TarUnpacker.unpack(from: BufferSource(chain.daily.bytes), into: temp.folder("staging"), base: .streamed(bases))
        }
    }
}
