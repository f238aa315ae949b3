import Foundation
import LetheCore
import LetheTestSupport
import LetheCrypto
import LetheFormat
#if canImport(Glibc)
import Glibc
#endif

/// The tree held by `Fixtures/old-names.lethe`, a sealed archive written by the code before
/// names were written with `hdrcharset=BINARY` (UTF-8 pax names, read back NFC-normalised under
/// `C.UTF-8`). Its keys are `Fixtures/old-names.keys`; see `Fixtures/README.md`.
///
/// Never change this list: it describes bytes already stored in the fixture.
enum OldNamesFixture {
    /// One node of the tree; paths and targets are raw bytes.
    struct Node {
        enum Kind { case directory, file([UInt8]), symlink([UInt8]) }
        var path: [UInt8]
        var kind: Kind
        var mode: mode_t
        var mtime: Int
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// NFD `é` (`e` + U+0301) and NFC `é` spelled as bytes, so no editor or compiler can normalise them.
    static let nfdE: [UInt8] = [0x65, 0xcc, 0x81]
    static let nfcE: [UInt8] = [0xc3, 0xa9]
    /// Not UTF-8: Latin-1 `é` and two bytes that never occur in UTF-8.
    static let latin1: [UInt8] = bytes("latin1-") + [0xe9, 0xff, 0xfe] + bytes(".bin")

    /// The tree, parents before children.
    static let nodes: [Node] = [
        Node(path: nfdE + bytes(".txt"), kind: .file(bytes("NFD e-acute\n")), mode: 0o644, mtime: 1_700_000_001),
        Node(path: nfcE + bytes(".txt"), kind: .file(bytes("NFC e-acute\n")), mode: 0o600, mtime: 1_700_000_002),
        Node(path: bytes("Cafe") + [0xcc, 0x81], kind: .directory, mode: 0o755, mtime: 1_700_000_003),
        Node(path: bytes("Cafe") + [0xcc, 0x81] + bytes("/nai") + [0xcc, 0x88] + bytes("ve.md"),
             kind: .file(bytes("naive, decomposed\n")), mode: 0o644, mtime: 1_700_000_004),
        Node(path: bytes("Caf") + nfcE, kind: .directory, mode: 0o750, mtime: 1_700_000_005),
        Node(path: bytes("Caf") + nfcE + bytes("/na") + [0xc3, 0xaf] + bytes("ve.md"),
             kind: .file(bytes("naive, composed\n")), mode: 0o644, mtime: 1_700_000_006),
        Node(path: bytes("日本語のファイル.txt"), kind: .file(bytes("こんにちは\n")), mode: 0o644, mtime: 1_700_000_007),
        Node(path: bytes("Å Ω ß ﬁ 🎉.md"), kind: .file(bytes("mixed\n")), mode: 0o644, mtime: 1_700_000_008),
        Node(path: bytes("A") + [0xcc, 0x8a] + bytes(" decomposed ring"), kind: .file([0, 1, 2, 3]), mode: 0o644, mtime: 1_700_000_009),
        Node(path: latin1, kind: .file([0xe9, 0xff]), mode: 0o644, mtime: 1_700_000_010),
        Node(path: bytes("percent %2F and %25"), kind: .file(bytes("%\n")), mode: 0o644, mtime: 1_700_000_011),
        Node(path: bytes("tab\there\u{1}"), kind: .file(bytes("control\n")), mode: 0o644, mtime: 1_700_000_012),
        Node(path: bytes("link-") + nfdE, kind: .symlink(nfdE + bytes(".txt")), mode: 0o777, mtime: 0),
        Node(path: bytes("link-latin1"), kind: .symlink(latin1), mode: 0o777, mtime: 0),
        Node(path: bytes("Caf") + nfcE + bytes("/up-") + nfdE, kind: .symlink(bytes("../Cafe") + [0xcc, 0x81]), mode: 0o777, mtime: 0),
    ]

    /// The customer key and expiry key the fixture is sealed with (test keys, nothing else uses them).
    static func keys() throws -> (customer: SecretKey, expiry: SecretKey) {
        let text = try String(contentsOf: url("old-names.keys"), encoding: .utf8)
        let lines = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        guard lines.count == 2 else { throw FixtureError.malformedKeys }
        return (try SecretKey(copying: hex(lines[0])), try SecretKey(copying: hex(lines[1])))
    }

    /// A file of `Fixtures/`.
    static func url(_ name: String) -> URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(name)
    }

    static func hex<S: StringProtocol>(_ text: S) -> [UInt8] {
        let digits = Array(text.utf8)
        return stride(from: 0, to: digits.count - 1, by: 2).map { index in
            UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16)!
        }
    }

    enum FixtureError: Error { case malformedKeys }

    /// Creates the tree under `root` (an empty folder), times set last.
    static func build(_ root: [UInt8]) {
        for node in nodes {
            switch node.kind {
            case .directory: Tree.mkdir(root, node.path, mode: node.mode)
            case let .file(content): Tree.file(root, node.path, content, mode: node.mode)
            case let .symlink(target): Tree.symlink(root, node.path, to: target)
            }
        }
        for node in nodes.reversed() {
            if case .symlink = node.kind { continue }
            Tree.setMtime(root, node.path, seconds: node.mtime, nanos: 0)
        }
    }

    /// What `Tree.snapshot` must show for the tree.
    static var expected: [Tree.Node] {
        nodes.map { node in
            switch node.kind {
            case .directory:
                return Tree.Node(path: node.path, type: 0o040000, mode: UInt32(node.mode), mtime: node.mtime,
                                 mtimeNanos: 0, content: [], target: nil)
            case let .file(content):
                return Tree.Node(path: node.path, type: 0o100000, mode: UInt32(node.mode), mtime: node.mtime,
                                 mtimeNanos: 0, content: content, target: nil)
            case let .symlink(target):
                return Tree.Node(path: node.path, type: 0o120000, mode: 0, mtime: 0, mtimeNanos: 0,
                                 content: [], target: target)
            }
        }.sorted { $0.path.lexicographicallyPrecedes($1.path) }
    }
}
