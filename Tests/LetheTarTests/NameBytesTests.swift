import Foundation
import LetheCore
import LetheTestSupport
import Testing
@testable import LetheTar
#if canImport(Glibc)
import Glibc
#endif

/// Names are bytes: whatever a Linux file name or symbolic link target holds is packed and
/// restored exactly, compared as readdir and readlink bytes (never as Swift strings).
@Suite struct NameBytesTests {
    /// Packs the tree `build` makes, unpacks it into a fresh folder and returns both snapshots.
    static func roundTrip(_ build: ([UInt8]) -> Void) throws -> (source: [Tree.Node], restored: [Tree.Node]) {
        let temp = TempFolder()
        let source = temp.folder("source", mode: 0o755)
        build(Array(source.path.utf8))
        let sink = BufferSink()
        let report = try TarPacker.pack(folder: source, into: sink)
        #expect(report.skippedPaths.isEmpty, "skipped: \(report.skippedPaths.map(Tree.printable))")
        let staging = temp.folder("staging")
        _ = try TarUnpacker.unpack(from: BufferSource(sink.bytes), into: staging)
        return (Tree.snapshot(Array(source.path.utf8)), Tree.snapshot(Array(staging.path.utf8)))
    }

    /// Expects two snapshots to be equal, naming the first difference.
    static func expectSame(_ source: [Tree.Node], _ restored: [Tree.Node], _ context: String = "",
                           sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(source.count == restored.count, "\(context) \(source.count) nodes packed, \(restored.count) restored",
                sourceLocation: sourceLocation)
        let restoredPaths = Set(restored.map(\.path))
        for missing in source where !restoredPaths.contains(missing.path) {
            Issue.record("\(context) not restored: \(missing)", sourceLocation: sourceLocation)
            return
        }
        for (want, got) in zip(source, restored) where want != got {
            Issue.record("\(context) packed \(want), restored \(got)", sourceLocation: sourceLocation)
            return
        }
    }

    @Test func anNFDNameRestoresByteForByte() throws {
        let (source, restored) = try Self.roundTrip { root in
            Tree.file(root, NastyNames.nfdE + Array(".txt".utf8), Array("decomposed".utf8))
        }
        #expect(restored.map(\.path) == [[0x65, 0xcc, 0x81, 0x2e, 0x74, 0x78, 0x74]])
        Self.expectSame(source, restored)
    }

    @Test func everySingleByteNameRestores() throws {
        let names = (UInt8(1)...UInt8(255)).filter { $0 != PathBytes.slash && $0 != PathBytes.dot }.map { [$0] }
        #expect(names.count == 253)
        let (source, restored) = try Self.roundTrip { root in
            for name in names { Tree.file(root, name, name) }
            Tree.mkdir(root, "folder")
            for name in names { Tree.symlink(root, Array("folder/".utf8) + name, to: Array("../".utf8) + name) }
        }
        #expect(restored.count == 1 + 2 * 253)
        Self.expectSame(source, restored)
    }

    @Test func nastyNamesRestoreAsFilesFoldersAndLinks() throws {
        let (source, restored) = try Self.roundTrip { root in
            Tree.mkdir(root, "files")
            Tree.mkdir(root, "folders")
            Tree.mkdir(root, "links")
            for (index, name) in NastyNames.corpus.enumerated() {
                Tree.file(root, Array("files/".utf8) + name, name + [UInt8(index & 0xff)])
                Tree.mkdir(root, Array("folders/".utf8) + name)
                Tree.file(root, Array("folders/".utf8) + name + [PathBytes.slash] + name, name)
                // Non-UTF-8 and decomposed link targets, resolving inside the tree.
                Tree.symlink(root, Array("links/".utf8) + name, to: Array("../files/".utf8) + name)
            }
        }
        #expect(restored.count == 3 + 4 * NastyNames.corpus.count)
        Self.expectSame(source, restored)
    }

    @Test func twinsSideBySideStayTwoEntries() throws {
        let (source, restored) = try Self.roundTrip { root in
            Tree.file(root, NastyNames.nfdE, Array("nfd".utf8))
            Tree.file(root, NastyNames.nfcE, Array("nfc".utf8))
            Tree.mkdir(root, Array("Cafe".utf8) + [0xcc, 0x81])
            Tree.mkdir(root, Array("Caf".utf8) + NastyNames.nfcE)
            Tree.file(root, Array("Cafe".utf8) + [0xcc, 0x81] + Array("/x".utf8), Array("in NFD folder".utf8))
            Tree.file(root, Array("Caf".utf8) + NastyNames.nfcE + Array("/x".utf8), Array("in NFC folder".utf8))
        }
        #expect(restored.count == 6)
        Self.expectSame(source, restored)
    }

    @Test func aNonUTF8SymlinkTargetRestores() throws {
        let target: [UInt8] = [0x6e, 0xe9, 0xff, 0x2e, 0x62, 0x69, 0x6e]
        let (source, restored) = try Self.roundTrip { root in
            Tree.file(root, target, [1])
            Tree.symlink(root, Array("to-latin1".utf8), to: target)
            Tree.symlink(root, Array("dangling-latin1".utf8), to: [0xe9, 0xe9])
            Tree.symlink(root, Array("to-nfd".utf8), to: NastyNames.nfdE)
        }
        #expect(restored.first { $0.path == Array("to-latin1".utf8) }?.target == target)
        #expect(restored.first { $0.path == Array("dangling-latin1".utf8) }?.target == [0xe9, 0xe9])
        Self.expectSame(source, restored)
    }

    @Test func longNamesAndDeepPathsRestore() throws {
        let long = NastyNames.corpus.filter { $0.count == 255 }
        #expect(long.count == 3)
        let (source, restored) = try Self.roundTrip { root in
            var folder: [UInt8] = []
            for name in long {
                folder = folder.isEmpty ? name : folder + [PathBytes.slash] + name
                Tree.mkdir(root, folder)
            }
            Tree.file(root, folder + [PathBytes.slash] + NastyNames.nfdE, Array("deep".utf8))
        }
        Self.expectSame(source, restored)
    }
}
