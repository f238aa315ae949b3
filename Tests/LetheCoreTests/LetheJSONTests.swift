import Foundation
@testable import LetheCore
import Testing

/// The one JSON convention: snake_case keys, ISO 8601 UTC dates, sorted keys, slashes unescaped.
@Suite struct LetheJSONTests {
    struct Sample: Codable, Equatable {
        var objectKey: String
        var kekID: String
        var allowInsecureHTTP: Bool
        var deleteBy: Date
        var retentionClass: String
        var path: String

        enum CodingKeys: String, CodingKey {
            case objectKey = "object_key", kekID = "kek_id", allowInsecureHTTP = "allow_insecure_http"
            case deleteBy = "delete_by", retentionClass = "class", path
        }
    }

    struct CamelSample: Encodable {
        var objectKey = "a/b"
        var firstBrokenSequence = 3
        var createdAt = Date(timeIntervalSince1970: 1_793_498_400)
    }

    static let sample = Sample(objectKey: "archives/p/x.lethe", kekID: "0123", allowInsecureHTTP: true,
                               deleteBy: Date(timeIntervalSince1970: 1_793_577_600), retentionClass: "daily", path: "/a/b")

    /// The snake_case spelling of a Swift property name (lower-case first letter) is the one
    /// Foundation's `convertToSnakeCase` gives (so the report, which relied on it, reads the
    /// same), and snake_case names stay as they are.
    @Test(arguments: ["objectKey", "kekID", "allowInsecureHTTP", "httpURLValue", "firstBrokenSequence",
                      "delete_by", "class", "a", "version2Name", "_private", "trailing_", "shreddedAt", "xID"])
    func snakeCaseIsFoundations(_ name: String) throws {
        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
        struct One: Encodable {
            let name: String
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Key.self)
                try container.encode(1, forKey: Key(stringValue: name)!)
            }
        }
        let foundation = JSONEncoder()
        foundation.keyEncodingStrategy = .convertToSnakeCase
        let object = try JSONSerialization.jsonObject(with: foundation.encode(One(name: name))) as? [String: Int]
        #expect(object?.keys.first == LetheJSON.snakeCase(name))
    }

    /// The ASCII path (bytes) spells every name as the general one (characters) does.
    @Test func asciiSnakeCaseIsTheGeneralOne() {
        let names = ["objectKey", "kekID", "allowInsecureHTTP", "httpURLValue", "URLValue", "delete_by", "a", "A", "AB",
                     "version2Name", "v2X", "_private", "__Lead", "trailing_", "Trail__", "_", "__", "", "xID", "xIDs",
                     "archiveID", "baseArchiveID", "aBCdEF", "a_B", "A_b", "9Lives", "HTTP2Server", "a-B", "x.Y"]
        for name in names {
            #expect(LetheJSON.asciiSnakeCase(name) == LetheJSON.generalSnakeCase(name), "\(name)")
        }
        #expect(LetheJSON.asciiSnakeCase("caf\u{e9}Name") == nil)
        #expect(LetheJSON.snakeCase("caf\u{e9}Name") == "caf\u{e9}_name")
    }

    @Test func camelCaseNamesAreWrittenInSnakeCaseAndDatesInISO8601UTC() throws {
        let text = try LetheJSON.text(CamelSample())
        #expect(text == """
            {
              "created_at" : "2026-11-01T02:00:00Z",
              "first_broken_sequence" : 3,
              "object_key" : "a/b"
            }
            """)
    }

    @Test func compactIsOneSortedLine() throws {
        #expect(try LetheJSON.text(CamelSample(), pretty: false)
                == #"{"created_at":"2026-11-01T02:00:00Z","first_broken_sequence":3,"object_key":"a/b"}"#)
    }

    @Test func theDecoderReadsWhatTheEncoderWrote() throws {
        let data = try LetheJSON.encoder.encode(Self.sample)
        #expect(try LetheJSON.decoder.decode(Sample.self, from: data) == Self.sample)
    }

    /// Files written before the convention (lethe.json of version 1) spelled keys in camelCase:
    /// the decoder reads each key in its snake_case spelling, so they read the same.
    @Test func theDecoderReadsCamelCaseKeysAsTheirSnakeCaseSpelling() throws {
        let camel = #"{"objectKey":"archives/p/x.lethe","kekID":"0123","allowInsecureHTTP":true,"deleteBy":"2026-11-02T00:00:00Z","class":"daily","path":"/a/b"}"#
        #expect(try LetheJSON.decoder.decode(Sample.self, from: Data(camel.utf8)) == Self.sample)
    }

    @Test func anInvalidDateIsADecodingError() throws {
        let bad = #"{"object_key":"k","kek_id":"0","allow_insecure_http":false,"delete_by":"yesterday","class":"daily","path":"/"}"#
        #expect(throws: DecodingError.self) { try LetheJSON.decoder.decode(Sample.self, from: Data(bad.utf8)) }
    }
}
