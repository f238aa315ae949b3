import Foundation
@testable import LetheCatalog
import Testing

/// The ledger's canonical details, written without an encoder for plain maps, are byte for byte
/// what `JSONEncoder` (sorted keys, slashes unescaped) writes: every chain already stored was
/// hashed over the encoder's text.
@Suite struct CanonicalDetailsTests {
    static func encoded(_ details: [String: String]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(details), as: UTF8.self)
    }

    static let maps: [[String: String]] = [
        [:],
        ["pseudonym": "p_0123456789abcdef", "set": "2026-11-03T010000Z", "archive": "a1b2c3", "bytes": "4096"],
        // Byte order of keys: upper case, underscore, digits (not numeric order), prefixes.
        ["ab": "1", "a_b": "2", "a10": "3", "a9": "4", "B": "5", "a": "6", "Z": "", "_": "", "a-b": "", "a/b": "x/y"],
        // Texts the plain path writes as they are: slashes, DEL, non-ASCII, U+2028, emoji, spaces.
        ["object_key": "archives/p_1/2026-11-03-a.lethe", "note": "caf\u{e9} \u{2028}\u{7f} 😀 e\u{301}", "empty": ""],
        // Texts and keys left to the encoder: quotes, backslashes, control characters, non-ASCII keys.
        ["quote": "say \"hi\"", "back": "C:\\dir"],
        ["control": "line\nnext\ttab\r\u{1}\u{8}\u{c}\u{1f}"],
        ["\u{e9}t\u{e9}": "x", "e": "y", "z": "w"],
    ]

    @Test func canonicalDetailsAreTheEncodersText() throws {
        for map in Self.maps {
            #expect(LedgerEvent.canonicalDetails(map) == (try Self.encoded(map)), "\(map)")
        }
    }

    @Test func plainMapsAreWrittenWithoutTheEncoderAndOthersAreNot() {
        #expect(LedgerEvent.plainCanonicalDetails(Self.maps[1]) != nil)
        #expect(LedgerEvent.plainCanonicalDetails(Self.maps[3]) != nil)
        for map in Self.maps[4...] {
            #expect(LedgerEvent.plainCanonicalDetails(map) == nil, "\(map)")
        }
    }
}
