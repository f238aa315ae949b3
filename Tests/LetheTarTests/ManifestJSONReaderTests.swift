import Foundation
import LetheTestSupport
import Testing
@testable import LetheTar

/// The manifest is read by hand for speed; `JSONDecoder` is the oracle for what it accepts and
/// what it makes of it.
@Suite struct ManifestJSONReaderTests {
    /// A manifest with every field and awkward values: escaped bytes, extreme numbers.
    static func sample(seed: UInt64) -> TarManifest {
        var generator = SeededGenerator(seed: seed)
        var manifest = TarManifest()
        manifest.base = seed.isMultiple(of: 2) ? "01JARCHIVEBASE\(seed)" : nil
        for index in 0..<40 {
            let name = (0..<Int.random(in: 1...30, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let kind = [LibArchive.regular, LibArchive.directory, LibArchive.symlink][index % 3]
            let extreme = index.isMultiple(of: 7)
            manifest.append(path: Array("data/".utf8) + name, type: kind,
                            size: extreme ? 1 << 56 : Int64.random(in: 0...1 << 40, using: &generator), mode: UInt32(index * 37) & 0o7777,
                            mtime: extreme ? Int.min : Int.random(in: -1 << 40...1 << 40, using: &generator),
                            mtimeNanos: Int.random(in: 0..<1_000_000_000, using: &generator),
                            target: kind == LibArchive.symlink ? name : nil,
                            identity: kind == LibArchive.regular ? (extreme ? UInt64.max : UInt64.random(in: 0...UInt64.max, using: &generator),
                                                                    UInt64.random(in: 0...UInt64.max, using: &generator)) : nil,
                            fromBase: kind == LibArchive.regular && manifest.base != nil && index.isMultiple(of: 2))
        }
        if seed.isMultiple(of: 3) { manifest.appendUnreadable(path: Array("data/unreadable \u{1}\"".utf8)) }
        return manifest
    }

    static func oracle(_ text: String) -> TarManifest? { try? JSONDecoder().decode(TarManifest.self, from: Data(text.utf8)) }
    static func reader(_ text: String) -> TarManifest? { try? ManifestJSONReader.manifest(Data(text.utf8)) }

    @Test(arguments: 0..<12 as Range<UInt64>)
    func whatTheWritersWriteReadsBackAsTheDecoderReadsIt(seed: UInt64) throws {
        let manifest = Self.sample(seed: seed)
        #expect(try ManifestJSONReader.manifest(manifest.encoded()) == manifest)
        let pretty = JSONEncoder()
        pretty.outputFormatting = [.prettyPrinted]
        let text = String(decoding: try pretty.encode(manifest), as: UTF8.self)
        #expect(Self.reader(text) == manifest)
        #expect(Self.oracle(text) == manifest)
    }

    /// Shapes a writer other than Lethe's own could produce, read as `JSONDecoder` reads them.
    @Test func escapesNullsAndUnknownKeysAreReadAsTheDecoderReadsThem() throws {
        let entry = #"{"mode":420,"mtime":1,"mtimeNanos":0,"path":"data\/a","size":3,"type":"file"}"#
        let texts = [
            #"{"bytes":3,"directories":0,"entries":[\#(entry)],"files":1,"format":"lethe-manifest","symlinks":0,"version":1}"#,
            // Any key order, whitespace, escapes in keys and values, nulls for optionals.
            " {\n\t\"ver\\u0073ion\" : 1 , \"format\":\"lethe-\\u006danifest\", \"base\":null, \"unreadable\":null,"
                + #""entries":[{"type":"file","path":"data/\u00e9\ud83d\ude00","target":null,"device":null,"inode":null,"from_base":null,"#
                + #""size":3,"mode":420,"mtime":-1,"mtimeNanos":0}],"files":1,"directories":0,"symlinks":0,"bytes":3} "#,
            // Unknown keys with any value.
            #"{"future":{"a":[1,2.5e-3,-0.0,true,false,null,{"b":"c"}]},"bytes":3,"directories":0,"#
                + #""entries":[{"extra":[[]],"mode":420,"mtime":1,"mtimeNanos":0,"path":"data/a","size":3,"type":"file"}],"#
                + #""files":1,"format":"lethe-manifest","symlinks":0,"version":1,"z":-12E+4}"#,
        ]
        for text in texts {
            let expected = try #require(Self.oracle(text), "the oracle reads: \(text)")
            #expect(Self.reader(text) == expected, "\(text)")
        }
    }

    @Test func malformedOrMistypedManifestsAreRefusedAsTheDecoderRefusesThem() throws {
        let good = String(decoding: Self.sample(seed: 4).encoded(), as: UTF8.self)
        let bad = [
            good + "x", good + "{}", "[" + good + "]", "",
            good.replacingOccurrences(of: #""files":"#, with: #""filez":"#),               // a required key missing
            good.replacingOccurrences(of: #""version":3"#, with: #""version":"3""#),        // a string for a number
            good.replacingOccurrences(of: #""version":3"#, with: #""version":3.0"#),        // not an integer
            good.replacingOccurrences(of: #""version":3"#, with: #""version":null"#),       // null for a required field
            good.replacingOccurrences(of: #""mode":"#, with: #""mode":-"#),                 // negative for unsigned
            good.replacingOccurrences(of: #""size":"#, with: #""size":99999999999999999999"#), // out of range
            good.replacingOccurrences(of: #""format":"#, with: #""format":"x","format":"#), // a duplicate key
            good.replacingOccurrences(of: "\"entries\":[", with: "\"entries\":[,"),
            good.replacingOccurrences(of: "\"data/", with: "\"data/\u{1}"),                 // a raw control byte
            good.replacingOccurrences(of: "\"data/", with: "\"data/\\x"),                   // an unknown escape
            good.replacingOccurrences(of: "\"data/", with: "\"data/\\ud800"),               // a lone surrogate
        ]
        for text in bad {
            #expect(Self.reader(text) == nil, "\(text.prefix(120))")
        }
        // Stricter than the oracle in two cases only: a duplicate key, and 3.0 for 3 (no writer of
        // manifests writes either).
        for (index, text) in bad.enumerated() where index != 10 && index != 6 {
            #expect(Self.oracle(text) == nil ? true : false, "the oracle refuses case \(index) too")
        }
        #expect(Self.reader(String(repeating: "[", count: 10_000)) == nil)
        let deep = #"{"x":"# + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}"
        #expect(Self.reader(deep) == nil, "nesting deeper than the reader goes is refused")
    }

    @Test func everyTruncationIsRefused() throws {
        let bytes = [UInt8](Self.sample(seed: 6).encoded().prefix(3000))
        for length in 0..<bytes.count {
            #expect((try? ManifestJSONReader.manifest(Data(bytes[0..<length]))) == nil, "length \(length)")
        }
    }
}
