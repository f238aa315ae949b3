import Foundation
import LetheCore
import LetheTestSupport
import Testing
@testable import LetheTar

/// One hostile archive: its entries (given the absolute path of a folder outside staging) and
/// the error it must raise.
struct HostileCase: Sendable, CustomTestStringConvertible {
    typealias Entry = TarStreamBuilder.Entry
    let name: String
    let entries: @Sendable (String) -> [Entry]
    /// Entries the manifest describes; nil: every entry under `data/`; an empty array: no manifest.
    let manifest: (@Sendable (String) -> [Entry])?
    let expected: TarError?
    var testDescription: String { name }

    init(_ name: String, _ expected: TarError?, manifest: (@Sendable (String) -> [Entry])? = nil,
         _ entries: @escaping @Sendable (String) -> [Entry]) {
        self.name = name
        self.entries = entries
        self.manifest = manifest
        self.expected = expected
    }
}

@Suite struct TarHostileTests {
    typealias Entry = TarStreamBuilder.Entry
    static let file = Entry("data/a", .file(Array("hello".utf8)))
    static let sub = Entry("data/sub", .directory, mode: 0o755)

    static let cases: [HostileCase] = [
        HostileCase("dot-dot component", .unsafePath(kind: "regular file", problem: .dotDot)) { _ in
            [Entry("data/../x", .file([1]))] },
        HostileCase("dot-dot in a folder", .unsafePath(kind: "directory", problem: .dotDot)) { _ in
            [Entry("data/sub/../../up", .directory)] },
        HostileCase("absolute path", .unsafePath(kind: "regular file", problem: .absolute)) { outside in
            [Entry(outside + "/x", .file([1]))] },
        HostileCase("empty component", .unsafePath(kind: "regular file", problem: .irregular)) { _ in
            [Entry("data//x", .file([1]))] },
        HostileCase("dot component", .unsafePath(kind: "regular file", problem: .irregular)) { _ in
            [Entry("data/./x", .file([1]))] },
        HostileCase("path outside data/", .unsafePath(kind: "regular file", problem: .outsideData)) { _ in
            [file, Entry("other/x", .file([1]))] },
        HostileCase("bare name", .unsafePath(kind: "regular file", problem: .outsideData)) { _ in
            [Entry("x", .file([1]))] },
        HostileCase("the data folder itself", .unsafePath(kind: "directory", problem: .outsideData)) { _ in
            [Entry("data/", .directory, mode: 0o777)] },
        HostileCase("absolute symlink then a file through it", .symlinkEscapes) { outside in
            [Entry("data/link", .symlink(Array(outside.utf8))), Entry("data/link/x", .file([1]))] },
        HostileCase("inside symlink then a file through it", .writesThroughSymlink(kind: "regular file")) { _ in
            [sub, Entry("data/link", .symlink(Array("sub".utf8))), Entry("data/link/x", .file([1]))] },
        HostileCase("inside symlink then a folder through it", .writesThroughSymlink(kind: "directory")) { _ in
            [sub, Entry("data/link", .symlink(Array("sub".utf8))), Entry("data/link/d", .directory)] },
        HostileCase("escaping symlink", .symlinkEscapes) { _ in
            [Entry("data/a", .symlink(Array("../../x".utf8)))] },
        HostileCase("symlink escaping through another link", .symlinkEscapes) { _ in
            [sub, Entry("data/sub/deep", .directory),
             Entry("data/sub/deep/back", .symlink(Array("../..".utf8))),
             Entry("data/sub/via", .symlink(Array("deep/back/..".utf8)))] },
        HostileCase("link made escaping by a later link", .symlinkEscapes) { _ in
            [sub, Entry("data/sub/via", .symlink(Array("back/..".utf8))),
             Entry("data/sub/back", .symlink(Array("..".utf8)))] },
        HostileCase("empty symlink target", .symlinkEscapes) { _ in
            [Entry("data/a", .symlink([]))] },
        HostileCase("hard link to /etc/passwd", .unsupportedEntry(kind: "hard link")) { _ in
            [Entry("data/h", .hardlink(Array("/etc/passwd".utf8)))] },
        HostileCase("hard link to a data file", .unsupportedEntry(kind: "hard link")) { _ in
            [file, Entry("data/h", .hardlink(Array("data/a".utf8)))] },
        HostileCase("character device", .unsupportedEntry(kind: "character device")) { _ in
            [Entry("data/null", .characterDevice)] },
        HostileCase("FIFO", .unsupportedEntry(kind: "FIFO")) { _ in
            [Entry("data/pipe", .fifo)] },
        HostileCase("duplicate path", .duplicatePath(kind: "regular file")) { _ in
            [file, Entry("data/a", .file(Array("evil".utf8)))] },
        HostileCase("symlink replacing a file", .duplicatePath(kind: "symbolic link")) { _ in
            [file, Entry("data/a", .symlink(Array("sub".utf8)))] },
        HostileCase("file replacing a folder made for earlier entries", .duplicatePath(kind: "regular file")) { _ in
            [Entry("data/d/x", .file([1])), Entry("data/d", .file([2]))] },
        HostileCase("entry below a file", .duplicatePath(kind: "regular file")) { _ in
            [file, Entry("data/a/x", .file([2]))] },
        HostileCase("missing manifest", .manifestMissing, manifest: { _ in [] }) { _ in [file] },
        HostileCase("manifest lists an extra entry", .manifestMismatch("the manifest lists 2 entries, the archive holds 1"),
                    manifest: { _ in [file, Entry("data/b", .file([1]))] }) { _ in [file] },
        HostileCase("manifest misses an entry", .manifestMismatch("the manifest lists 1 entries, the archive holds 2"),
                    manifest: { _ in [file] }) { _ in [file, Entry("data/b", .file([1]))] },
        HostileCase("manifest has another size", .manifestMismatch("entry 1 differs in its size"),
                    manifest: { _ in [Entry("data/a", .file([1]))] }) { _ in [file] },
        HostileCase("manifest has another link target", .manifestMismatch("entry 2 differs in its symbolic link target"),
                    manifest: { _ in [sub, Entry("data/l", .symlink(Array("a".utf8)))] }) { _ in
            [sub, Entry("data/l", .symlink(Array("sub".utf8)))] },
        HostileCase("manifest has another path", .manifestMismatch("entry 1 differs in its path"),
                    manifest: { _ in [Entry("data/b", .file(Array("hello".utf8)))] }) { _ in [file] },
        HostileCase("manifest is not JSON", .manifestMismatch("the manifest is not valid JSON of the expected shape"),
                    manifest: { _ in [] }) { _ in
            [file, Entry("lethe-manifest.json", .file(Array("{not json".utf8)))] },
    ]

    @Test(arguments: cases)
    func hostileArchiveIsRefused(_ hostile: HostileCase) throws {
        let temp = TempFolder()
        let outside = temp.folder("outside")
        Tree.file(Array(outside.path.utf8), "sentinel", Array("untouched".utf8), mode: 0o600)
        let before = Tree.snapshot(Array(outside.path.utf8))
        let staging = temp.folder("staging")

        let entries = hostile.entries(outside.path)
        let sink = BufferSink()
        let builder = try TarStreamBuilder(into: sink)
        try builder.add(entries)
        let described = hostile.manifest?(outside.path)
            ?? entries.filter { $0.path.starts(with: Array("data/".utf8)) }
        if hostile.manifest == nil || !described.isEmpty {
            try builder.addManifest(describing: described)
        }
        try builder.finish()

        #expect(throws: hostile.expected!) {
            _ = try TarUnpacker.unpack(from: BufferSource(sink.bytes), into: staging)
        }
        // Nothing outside staging changed; no new sibling appeared.
        #expect(Tree.snapshot(Array(outside.path.utf8)) == before)
        let siblings = try FileManager.default.contentsOfDirectory(atPath: temp.url.path).sorted()
        #expect(siblings == ["outside", "staging"])

        // Export applies the same rules.
        #expect(throws: hostile.expected!) {
            try TarExporter.export(from: BufferSource(sink.bytes), to: CountingSink(), format: .tar)
        }
    }

    @Test func anEntryAfterTheManifestIsRefused() throws {
        let temp = TempFolder()
        let sink = BufferSink()
        let builder = try TarStreamBuilder(into: sink)
        try builder.add(Self.file)
        try builder.addManifest(describing: [Self.file])
        try builder.add(Entry("data/late", .file([1])))
        try builder.finish()
        #expect(throws: TarError.manifestMismatch("an entry follows the manifest")) {
            _ = try TarUnpacker.unpack(from: BufferSource(sink.bytes), into: temp.folder("staging"))
        }
    }

    @Test func specialModeBitsAreDropped() throws {
        let temp = TempFolder()
        let entries = [Entry("data/tool", .file([1]), mode: 0o6755), Entry("data/shared", .directory, mode: 0o1777)]
        let sink = BufferSink()
        let builder = try TarStreamBuilder(into: sink)
        try builder.add(entries)
        try builder.addManifest(describing: entries)
        try builder.finish()
        let staging = temp.folder("staging")
        _ = try TarUnpacker.unpack(from: BufferSource(sink.bytes), into: staging)
        let nodes = Tree.snapshot(Array(staging.path.utf8))
        #expect(nodes.map(\.mode) == [0o777, 0o755])
    }

    @Test func aTruncatedStreamFails() throws {
        let temp = TempFolder()
        let source = temp.folder("source", mode: 0o755)
        Tree.file(Array(source.path.utf8), "f", Tree.noise(500_000, seed: 1))
        let sink = BufferSink()
        _ = try TarPacker.pack(folder: source, into: sink)
        #expect(throws: TarError.self) {
            _ = try TarUnpacker.unpack(from: BufferSource(Array(sink.bytes.prefix(sink.bytes.count / 2))),
                                       into: temp.folder("staging"))
        }
    }
}
