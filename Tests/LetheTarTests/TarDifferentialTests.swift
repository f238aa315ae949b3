import Foundation
import LetheCore
import LetheTestSupport
import Testing
@testable import LetheTar
#if canImport(Glibc)
import Glibc
#endif

/// A differential packed against a base index and unpacked against the base's tree (issue 15).
@Suite struct TarDifferentialTests {
    static func index(_ report: PackReport) -> [BaseIndexKey: BaseIndexEntry] {
        Dictionary(uniqueKeysWithValues: report.index.map { (BaseIndexKey(device: $0.device, inode: $0.inode), $0) })
    }

    @Test func unchangedFilesComeFromTheBaseByInodeAndTheTreeRestoresWhole() throws {
        let temp = TempFolder()
        let source = temp.folder("source", mode: 0o755)
        let root = Array(source.path.utf8)
        Tree.mkdir(root, "old")
        Tree.file(root, "old/big.bin", Tree.noise(500_000, seed: 3))
        Tree.file(root, "old/twin.txt", Array("same inode twice".utf8))
        precondition(link(source.path + "/old/twin.txt", source.path + "/old/twin-link.txt") == 0)
        Tree.file(root, "changes.txt", Array("v1".utf8))
        let full = BufferSink()
        let fullReport = try TarPacker.pack(folder: source, into: full)
        #expect(fullReport.index.count == 3, "one entry per device and inode")

        // A renamed folder, a changed file, a new file.
        precondition(rename(source.path + "/old", source.path + "/renamed") == 0)
        try Data("version two".utf8).write(to: source.appendingPathComponent("changes.txt"))
        Tree.file(root, "renamed/new.txt", Array("new".utf8))
        let differential = BufferSink()
        let report = try TarPacker.pack(folder: source, into: differential,
                                        against: PackBase(archive: "base-archive", index: Self.index(fullReport)))
        #expect(report.fromBase == 3)
        #expect(differential.bytes.count < full.bytes.count / 10)

        let baseTree = temp.folder("base")
        let baseReport = try TarUnpacker.unpack(from: BufferSource(full.bytes), into: baseTree)
        let listing = try #require(baseReport.listing)
        let staging = temp.folder("staging")
        let unpacked = try TarUnpacker.unpack(from: BufferSource(differential.bytes), into: staging,
                                              base: .restored(UnpackBase(archive: "base-archive", tree: baseTree, listing: listing)))
        #expect(unpacked.bytes == report.bytes)
        #expect(Tree.snapshot(Array(staging.path.utf8)) == Tree.snapshot(root))
    }

    /// A full archive `base` of one short file, and a `differential` against it (archive "b")
    /// packed with an index taken after the file grew: it says the file is unchanged, the base
    /// archive disagrees in size.
    static func differentialAgainstAGrownFile(in temp: TempFolder) throws -> (base: BufferSink, differential: BufferSink, report: PackReport) {
        let source = temp.folder("source", mode: 0o755)
        Tree.file(Array(source.path.utf8), "a.txt", Array("short".utf8))
        let base = BufferSink()
        _ = try TarPacker.pack(folder: source, into: base)
        try Data("longer text".utf8).write(to: source.appendingPathComponent("a.txt"))
        let now = try TarPacker.pack(folder: source, into: BufferSink())
        let differential = BufferSink()
        let report = try TarPacker.pack(folder: source, into: differential, against: PackBase(archive: "b", index: index(now)))
        return (base, differential, report)
    }

    @Test func aFromBaseEntryWhoseBaseEntryHasAnotherSizeIsRefused() throws {
        let temp = TempFolder()
        let (base, differential, report) = try Self.differentialAgainstAGrownFile(in: temp)
        #expect(report.fromBase == 1)
        let baseTree = temp.folder("base")
        let listing = try #require(try TarUnpacker.unpack(from: BufferSource(base.bytes), into: baseTree).listing)
        #expect(throws: TarError.manifestMismatch("the base does not match: an unchanged file has another size or modification time in the base")) {
            try TarUnpacker.unpack(from: BufferSource(differential.bytes), into: temp.folder("staging"),
                                   base: .restored(UnpackBase(archive: "b", tree: baseTree, listing: listing)))
        }
    }

    @Test func aDifferentialIsRefusedWithoutItsBaseOrAgainstAnother() throws {
        let temp = TempFolder()
        let source = temp.folder("source", mode: 0o755)
        Tree.file(Array(source.path.utf8), "a.txt", Array("text".utf8))
        let full = BufferSink()
        let fullReport = try TarPacker.pack(folder: source, into: full)
        let differential = BufferSink()
        _ = try TarPacker.pack(folder: source, into: differential, against: PackBase(archive: "b", index: Self.index(fullReport)))
        #expect(throws: TarError.self) { try TarUnpacker.unpack(from: BufferSource(differential.bytes), into: temp.folder("s1")) }
        let baseTree = temp.folder("base")
        let listing = try #require(try TarUnpacker.unpack(from: BufferSource(full.bytes), into: baseTree).listing)
        #expect(throws: TarError.self) {
            try TarUnpacker.unpack(from: BufferSource(differential.bytes), into: temp.folder("s2"),
                                   base: .restored(UnpackBase(archive: "other", tree: baseTree, listing: listing)))
        }
    }
}
