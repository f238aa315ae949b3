import Foundation
import LetheCore
import Testing

/// An optional field marked `@NullWhenAbsent` is always named in the JSON: `null` when nil.
@Suite struct NullWhenAbsentTests {
    struct Status: Encodable {
        @NullWhenAbsent var owed: String?
        var note: String?
    }

    @Test func aNilFieldIsWrittenAsNullWhereAPlainOptionalIsLeftOut() throws {
        #expect(try LetheJSON.text(Status(owed: nil, note: nil), pretty: false) == #"{"owed":null}"#)
        #expect(try LetheJSON.text(Status(owed: "rotation", note: "n"), pretty: false) == #"{"note":"n","owed":"rotation"}"#)
    }
}
