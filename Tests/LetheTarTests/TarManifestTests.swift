import Foundation
import Testing
@testable import LetheTar

/// The manifest is written by hand for speed; JSONEncoder is the oracle for its bytes.
@Suite struct TarManifestEncodingTests {
    @Test func theManifestIsExactlyWhatJSONEncoderWrites() throws {
        var manifest = TarManifest()
        let awkward: [[UInt8]] = [
            Array("data/plain.txt".utf8), Array("data/quote\"back\\slash".utf8), Array("data/tab\tnew\nline\r".utf8),
            Array("data/ünïcödé/日本語 file".utf8), [0x64, 0x61, 0x74, 0x61, 0x2F, 0x01, 0x1F, 0x7F, 0xFF, 0xC3],
            Array("data/a/b/c/%/percent".utf8),
        ]
        for (index, path) in awkward.enumerated() {
            manifest.append(path: path, type: LibArchive.regular, size: Int64(index * 1000), mode: 0o644,
                            mtime: 1_700_000_000 + index, mtimeNanos: index * 7, target: nil)
        }
        manifest.append(path: Array("data/dir".utf8), type: LibArchive.directory, size: 0, mode: 0o755, mtime: -5, mtimeNanos: 0, target: nil)
        manifest.append(path: Array("data/link".utf8), type: LibArchive.symlink, size: 0, mode: 0o777, mtime: 3, mtimeNanos: 999_999_999,
                        target: Array("../\"odd\"/target\u{8}".utf8))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let expected = try encoder.encode(manifest)
        #expect(String(decoding: manifest.encoded(), as: UTF8.self) == String(decoding: expected, as: UTF8.self))
        #expect(manifest.encoded() == expected)
        #expect(try TarManifest.decode(manifest.encoded()) == manifest)
        #expect(try TarManifest.decode(TarManifest().encoded()) == TarManifest())
    }

    /// The unreadable paths a pack skipped (`unreadable`, issue 12 item 6) are written as
    /// JSONEncoder would, absent when there are none (so every other manifest is byte for byte as
    /// before), and a manifest written before the field existed still decodes.
    @Test func unreadablePathsAreAnOptionalListOfTheManifest() throws {
        var manifest = TarManifest()
        manifest.append(path: Array("data/a.txt".utf8), type: LibArchive.regular, size: 1, mode: 0o644, mtime: 1, mtimeNanos: 0, target: nil)
        let without = String(decoding: manifest.encoded(), as: UTF8.self)
        #expect(!without.contains("unreadable"))
        manifest.appendUnreadable(path: Array("data/docs/secret \"plan\".txt".utf8))
        manifest.appendUnreadable(path: [0x64, 0x61, 0x74, 0x61, 0x2F, 0xFF, 0x0A])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(String(decoding: manifest.encoded(), as: UTF8.self) == String(decoding: try encoder.encode(manifest), as: UTF8.self))
        let decoded = try TarManifest.decode(manifest.encoded())
        #expect(decoded == manifest)
        #expect(decoded.unreadablePaths == ["docs/secret%20%22plan%22.txt", "%FF%0A"])

        let old = #"{"bytes":1,"directories":0,"entries":[{"mode":420,"mtime":1,"mtimeNanos":0,"path":"data/a.txt","size":1,"type":"file"}],"files":1,"format":"lethe-manifest","symlinks":0,"version":1}"#
        #expect(without == old.replacingOccurrences(of: "\"version\":1", with: "\"version\":3"))
        #expect(try TarManifest.decode(Data(old.utf8)).unreadablePaths.isEmpty)
    }

    /// Version 3: file entries carry device and inode, a differential names its base and marks
    /// unchanged files from_base; the hand-written encoder still writes what JSONEncoder does,
    /// and the decoder refuses those fields where they do not belong.
    @Test func versionThreeFieldsAreEncodedAsJSONEncoderDoesAndCheckedOnDecoding() throws {
        var manifest = TarManifest()
        manifest.base = "base-archive"
        manifest.append(path: Array("data/a.txt".utf8), type: LibArchive.regular, size: 3, mode: 0o644, mtime: 1, mtimeNanos: 2,
                        target: nil, identity: (UInt64.max, 42), fromBase: true)
        manifest.append(path: Array("data/b.txt".utf8), type: LibArchive.regular, size: 1, mode: 0o600, mtime: 3, mtimeNanos: 0,
                        target: nil, identity: (7, 9))
        manifest.append(path: Array("data/d".utf8), type: LibArchive.directory, size: 0, mode: 0o755, mtime: 3, mtimeNanos: 0, target: nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(String(decoding: manifest.encoded(), as: UTF8.self) == String(decoding: try encoder.encode(manifest), as: UTF8.self))
        #expect(try TarManifest.decode(manifest.encoded()) == manifest)
        #expect(String(decoding: manifest.encoded(), as: UTF8.self).contains(#""device":18446744073709551615,"from_base":true,"inode":42"#))

        var noBase = manifest
        noBase.base = nil
        #expect(throws: TarError.self) { try TarManifest.decode(noBase.encoded()) }
        var old = manifest
        old.version = TarManifest.rowsVersion
        #expect(throws: TarError.self) { try TarManifest.decode(old.encoded()) }
    }
}
