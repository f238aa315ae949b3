import Foundation
import LetheCore
import LetheTestSupport
import Testing
@testable import LetheTar
#if canImport(Glibc)
import Glibc
#endif

/// A customer folder is the customer's to change, even mid-backup: a folder swapped for a
/// symbolic link to somewhere else while the packer walks it must never bring that somewhere
/// else into the customer's archive.
@Suite struct TarPackerRaceTests {
    @Test func aFolderSwappedForALinkMidWalkNeverLeaksWhatTheLinkPointsAt() throws {
        let temp = TempFolder()
        let outside = Array(temp.folder("outside", mode: 0o755).path.utf8)
        let secret = Tree.noise(16_384, seed: 7)  // incompressible: zstd stores it as it is
        for n in 0..<20 { Tree.file(outside, "f\(n).bin", secret) }
        let source = temp.folder("customer", mode: 0o755)
        let root = Array(source.path.utf8)
        Tree.mkdir(root, "sub")
        for n in 0..<20 { Tree.file(root, "sub/f\(n).bin", Array("inside \(n)".utf8)) }
        Tree.symlink(root, "swap-link", to: String(decoding: outside, as: UTF8.self))
        let probe = Array(secret[1000..<1064])

        // Swap `sub` between the real folder and a link to `outside`, as fast as renames go.
        let stop = Flag()
        let swapper = Thread {
            let base = String(decoding: root, as: UTF8.self)
            var hold: UInt32 = 50
            while !stop.value {
                rename(base + "/sub", base + "/parked")
                rename(base + "/swap-link", base + "/sub")
                usleep(hold)  // each state holds a while, varying, so walks see both
                rename(base + "/sub", base + "/swap-link")
                rename(base + "/parked", base + "/sub")
                usleep(hold)
                hold = hold % 400 + 37
            }
        }
        swapper.start()
        defer { stop.set(); while !swapper.isFinished { usleep(1000) } }

        // A fixed number of walks, not a time window: a busy machine makes them slower, not fewer.
        var packs = 0, refused = 0
        while packs + refused < Self.walks {
            let sink = BufferSink()
            do {
                _ = try TarPacker.pack(folder: source, into: sink)
                packs += 1
            } catch is TarError {
                refused += 1  // a folder that changed under the walk fails that customer: fine
                continue
            }
            let leaked = sink.bytes.contains(bytes: probe)
            #expect(!leaked, "pack \(packs) holds a file from outside the customer's folder")
            if leaked { return }
        }
    }

    /// Walks per run: about as many as the former 3-second window gave on this kind of machine,
    /// in which the old walker (paths from the root) leaked.
    static let walks = 4_000
}

private final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false
    var value: Bool { lock.withLock { raised } }
    func set() { lock.withLock { raised = true } }
}
