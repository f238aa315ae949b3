import Foundation
import LetheCore
import LetheTestSupport
import Testing
@testable import LetheTar
#if canImport(Glibc)
import Glibc
#endif

@Suite struct TarRoundTripTests {
    /// Builds the awkward tree; returns the names of what must be skipped.
    static func awkwardTree(_ root: [UInt8], outside: String) {
        Tree.mkdir(root, "pages")
        Tree.mkdir(root, "pages/deep")
        Tree.mkdir(root, "pages/deep/deeper", mode: 0o750)
        Tree.mkdir(root, "empty dir")
        Tree.mkdir(root, "private", mode: 0o640)
        Tree.file(root, "pages/a.md", Array("# A\n".utf8), mode: 0o600)
        Tree.file(root, "pages/deep/deeper/run.sh", Array("#!/bin/sh\n".utf8), mode: 0o755)
        Tree.file(root, "empty.txt", [])
        Tree.file(root, "big.bin", Tree.noise(3_000_000, seed: 7))
        Tree.file(root, "Crème brûlée.txt", Array("sucre".utf8))
        Tree.file(root, "日本語 ファイル.md", Array("こんにちは".utf8))
        Tree.file(root, "emoji 🎉 party.txt", Array("🎉".utf8))
        Tree.file(root, "line\nbreak.txt", Array("two\nlines".utf8))
        Tree.file(root, [0x6e, 0xff, 0xfe, 0x2e, 0x62, 0x69, 0x6e], [1, 2, 3])
        Tree.file(root, "private/notes.txt", Array("secret".utf8), mode: 0o640)
        Tree.symlink(root, "link-to-file", to: "pages/a.md")
        Tree.symlink(root, "pages/link-to-dir", to: "deep")
        Tree.symlink(root, "dangling", to: "pages/not-there")
        Tree.symlink(root, "pages/deep/back", to: "../..")
        // Skipped: absolute, escaping, escaping only through another link.
        Tree.symlink(root, "absolute", to: outside)
        Tree.symlink(root, "escaping", to: "../outside")
        Tree.symlink(root, "pages/via-link", to: "deep/back/..")
        Tree.fifo(root, "a fifo")
        Tree.socket(root, "sock")
        var mtime = 1_600_000_000
        for node in Tree.snapshot(root).reversed() where node.type != 0o120000 {
            mtime += 1111
            Tree.setMtime(root, node.path, seconds: mtime, nanos: 123_456_789)
        }
    }

    @Test func roundTripsAnAwkwardTreeByteForByte() throws {
        let temp = TempFolder()
        let source = temp.folder("source", mode: 0o755)
        let outside = temp.folder("outside")
        Self.awkwardTree(Array(source.path.utf8), outside: outside.path)

        let sink = BufferSink()
        var progressed: Int64 = 0
        let report = try TarPacker.pack(folder: source, into: sink) { progressed = $0 }
        let skipped = Set(report.skippedPaths.map { String(decoding: $0, as: UTF8.self) })
        #expect(skipped == ["absolute", "escaping", "pages/via-link", "a fifo", "sock"])
        #expect(report.warnings.count == 4)
        #expect(report.warnings.contains { $0.hasPrefix("1 FIFO skipped: ") })
        #expect(report.warnings.contains { $0.hasPrefix("1 socket skipped: ") })
        #expect(report.warnings.contains { $0.hasPrefix("1 symbolic link skipped: its target is absolute") })
        #expect(report.warnings.contains { $0.hasPrefix("2 symbolic links skipped: their targets lead outside") })
        #expect(report.unreadablePaths.isEmpty)
        // Warnings go to logs: kinds and reasons, never names.
        #expect(!report.warnings.contains { $0.contains("a fifo") || $0.contains("via-link") || $0.contains("escaping") })
        #expect(report.bytes == 3_000_000 + 4 + 10 + 5 + 15 + 4 + 9 + 3 + 6)
        #expect(progressed == report.bytes)

        let staging = temp.folder("staging")
        let unpacked = try TarUnpacker.unpack(from: BufferSource(sink.bytes), into: staging)
        #expect(unpacked.bytes == report.bytes)
        #expect(unpacked.files + unpacked.directories + unpacked.symlinks == report.entries)
        #expect(unpacked.symlinks == 4)
        #expect(unpacked.directories == 5)

        let skippedBytes = Set(report.skippedPaths)
        let expected = Tree.snapshot(Array(source.path.utf8)).filter { !skippedBytes.contains($0.path) }
        let restored = Tree.snapshot(Array(staging.path.utf8))
        #expect(restored.count == expected.count)
        for (want, got) in zip(expected, restored) { #expect(want == got) }
        #expect(Tree.snapshot(Array(outside.path.utf8)).isEmpty)
    }

    @Test func packingIsDeterministic() throws {
        let temp = TempFolder()
        let source = temp.folder("source", mode: 0o755)
        Tree.mkdir(Array(source.path.utf8), "b")
        Tree.file(Array(source.path.utf8), "b/z", [1])
        Tree.file(Array(source.path.utf8), "a", [2])
        let first = BufferSink(), second = BufferSink()
        _ = try TarPacker.pack(folder: source, into: first)
        _ = try TarPacker.pack(folder: source, into: second)
        #expect(first.bytes == second.bytes)
        // zstd frame magic: the stream is compressed.
        #expect(Array(first.bytes.prefix(4)) == [0x28, 0xB5, 0x2F, 0xFD])
    }

    @Test func hardlinksArePackedAsRegularFiles() throws {
        let temp = TempFolder()
        let source = temp.folder("source", mode: 0o755)
        let root = Array(source.path.utf8)
        Tree.file(root, "one", Array("same inode".utf8))
        #expect(link(source.path + "/one", source.path + "/two") == 0)
        let sink = BufferSink()
        let report = try TarPacker.pack(folder: source, into: sink)
        #expect(report.entries == 2)
        #expect(report.bytes == 20)
        let staging = temp.folder("staging")
        _ = try TarUnpacker.unpack(from: BufferSource(sink.bytes), into: staging)
        var info = stat()
        #expect(stat(staging.path + "/two", &info) == 0)
        #expect(info.st_nlink == 1)
        #expect(Tree.readFile(Array((staging.path + "/two").utf8)) == Array("same inode".utf8))
    }

    @Test func unpackReadsTheSourceToItsEnd() throws {
        let temp = TempFolder()
        let source = temp.folder("source", mode: 0o755)
        Tree.file(Array(source.path.utf8), "f", Tree.noise(200_000, seed: 3))
        let other = temp.folder("other", mode: 0o755)
        Tree.file(Array(other.path.utf8), "g", Tree.noise(3_000_000, seed: 4))
        let sink = BufferSink(), tail = BufferSink()
        _ = try TarPacker.pack(folder: source, into: sink)
        _ = try TarPacker.pack(folder: other, into: tail)
        // A second zstd frame after the archive: libarchive stops at the first tar end and
        // leaves most of it unread; the unpacker must still pull everything so the decryptor
        // underneath sees its end (final tag, nothing appended).
        let input = CountingSource(sink.bytes + tail.bytes)
        let report = try TarUnpacker.unpack(from: input, into: temp.folder("staging"))
        #expect(report.files == 1)
        #expect(input.offset == input.bytes.count)
        #expect(input.sawEnd)
    }

    @Test func aSourceErrorReachesTheCallerUnchanged() throws {
        let temp = TempFolder()
        let source = temp.folder("source", mode: 0o755)
        Tree.file(Array(source.path.utf8), "f", Tree.noise(300_000, seed: 4))
        let sink = BufferSink()
        _ = try TarPacker.pack(folder: source, into: sink)
        // Fails mid-stream, and (second case) only while draining after the tar end.
        for failAt in [sink.bytes.count / 2, sink.bytes.count] {
            let input = CountingSource(sink.bytes, failAt: failAt)
            #expect(throws: CountingSource.Failure.self) {
                _ = try TarUnpacker.unpack(from: input, into: temp.folder("staging-\(failAt)"))
            }
        }
    }

    @Test func aSinkErrorReachesTheCallerUnchanged() throws {
        final class FailingSink: ByteSink {
            struct Full: Error {}
            func write(_ bytes: UnsafeRawBufferPointer) throws { throw Full() }
        }
        let temp = TempFolder()
        let source = temp.folder("source", mode: 0o755)
        Tree.file(Array(source.path.utf8), "f", Tree.noise(300_000, seed: 5))
        #expect(throws: FailingSink.Full.self) { _ = try TarPacker.pack(folder: source, into: FailingSink()) }
    }

    @Test(.enabled(if: geteuid() != 0, "root reads everything"))
    func anUnreadableFileFailsThePack() throws {
        let temp = TempFolder()
        let source = temp.folder("source", mode: 0o755)
        Tree.file(Array(source.path.utf8), "locked", [1], mode: 0o000)
        #expect {
            _ = try TarPacker.pack(folder: source, into: CountingSink())
        } throws: { error in
            guard case let TarError.unreadable(_, path)? = error as? TarError else { return false }
            return path == Array("locked".utf8)
        }
    }

    @Test func aMissingFolderIsUnreadable() throws {
        let temp = TempFolder()
        #expect {
            _ = try TarPacker.pack(folder: temp.url.appendingPathComponent("nope"), into: CountingSink())
        } throws: { error in
            if case TarError.unreadable? = error as? TarError { return true }
            return false
        }
    }
}
