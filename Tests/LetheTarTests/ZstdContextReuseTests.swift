import Foundation
import LetheCore
import LetheTestSupport
import Testing
@testable import LetheTar

/// Archives are compressed with zstd contexts reused across the process's packs (one set-up per
/// worker, not per archive): each stream is still a whole zstd frame of its own, readable by
/// libarchive and by the `zstd` tool, and a pack that failed half-way leaves nothing of its
/// frame in the next pack that reuses its context.
@Suite struct ZstdContextReuseTests {
    /// A sink that fails once more than `limit` bytes were written to it.
    final class FailingSink: ByteSink {
        struct Full: Error {}
        var left: Int
        init(limit: Int) { left = limit }
        func write(_ bytes: UnsafeRawBufferPointer) throws {
            left -= bytes.count
            if left < 0 { throw Full() }
        }
    }

    static func tree(_ temp: TempFolder, _ name: String, seed: UInt64, size: Int) -> URL {
        let folder = temp.folder(name, mode: 0o755)
        let root = Array(folder.path.utf8)
        Tree.file(root, "profile.json", Array("{\"name\": \"\(name)\"}\n".utf8))
        Tree.file(root, "data.bin", Tree.noise(size, seed: seed))
        return folder
    }

    static func unpacked(_ bytes: [UInt8], _ temp: TempFolder, _ name: String) throws -> [Tree.Node] {
        let staging = temp.folder(name)
        _ = try TarUnpacker.unpack(from: BufferSource(bytes), into: staging)
        return Tree.snapshot(Array(staging.path.utf8))
    }

    @Test func sequentialPacksShareOneContextAndEachStreamStandsAlone() throws {
        let pool = try #require(ZstdContextPool.shared, "libzstd.so.1 is loadable where libarchive is")
        let temp = TempFolder()
        let big = Self.tree(temp, "big", seed: 11, size: 3_000_000)
        let small = Self.tree(temp, "small", seed: 12, size: 300)
        _ = try TarPacker.pack(folder: small, into: BufferSink())  // the pool holds an idle context from here on
        let before = pool.created
        let first = BufferSink(), second = BufferSink(), third = BufferSink()
        _ = try TarPacker.pack(folder: big, into: first)
        _ = try TarPacker.pack(folder: small, into: second)
        _ = try TarPacker.pack(folder: big, into: third)
        // Other suites may pack in parallel and take the idle context: at most one more each.
        #expect(pool.created - before <= 1)
        #expect(first.bytes == third.bytes, "a reused context compresses the same tree to the same bytes")
        #expect(try Self.unpacked(first.bytes, temp, "out-big") == Tree.snapshot(Array(big.path.utf8)))
        #expect(try Self.unpacked(second.bytes, temp, "out-small") == Tree.snapshot(Array(small.path.utf8)))
        // One zstd frame, complete: the zstd tool checks it on its own.
        for bytes in [first.bytes, second.bytes] {
            let file = temp.url.appendingPathComponent("stream.zst")
            try Data(bytes).write(to: file)
            let check = Process()
            check.executableURL = URL(fileURLWithPath: "/usr/bin/zstd")
            check.arguments = ["-q", "-t", file.path]
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/zstd") else { continue }
            try check.run()
            check.waitUntilExit()
            #expect(check.terminationStatus == 0)
        }
    }

    @Test func aFailedPackLeavesNothingInTheNextPack() throws {
        let temp = TempFolder()
        let big = Self.tree(temp, "big", seed: 21, size: 3_000_000)
        let small = Self.tree(temp, "small", seed: 22, size: 300)
        let clean = BufferSink()
        _ = try TarPacker.pack(folder: small, into: clean)
        #expect(throws: FailingSink.Full.self) { try TarPacker.pack(folder: big, into: FailingSink(limit: 200_000)) }
        let after = BufferSink()
        _ = try TarPacker.pack(folder: small, into: after)
        #expect(after.bytes == clean.bytes)
        #expect(try Self.unpacked(after.bytes, temp, "out") == Tree.snapshot(Array(small.path.utf8)))
    }
}
