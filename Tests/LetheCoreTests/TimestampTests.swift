import Foundation
import LetheCore
import Testing

/// `Timestamp.parse` takes only instants that exist: no 30 February, no hour 24.
@Suite struct TimestampTests {
    @Test func validTimesParse() {
        #expect(Timestamp.parse("2026-11-29T02:00:00Z").map(Timestamp.iso) == "2026-11-29T02:00:00Z")
        #expect(Timestamp.parse("2028-02-29T00:00:00Z").map(Timestamp.iso) == "2028-02-29T00:00:00Z")
        #expect(Timestamp.parse("2026-11-29T02:00:00.250Z").map(Timestamp.iso) == "2026-11-29T02:00:00Z")
        #expect(Timestamp.parse("2026-11-29T03:00:00+01:00").map(Timestamp.iso) == "2026-11-29T02:00:00Z")
        #expect(Timestamp.parse("2026-11-29").map(Timestamp.iso) == "2026-11-29T00:00:00Z")
    }

    @Test func datesThatDoNotExistAreRefused() {
        for text in ["2026-02-30T02:00:00Z", "2026-02-29", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z",
                     "2026-00-10T00:00:00Z", "2026-11-00", "2026-11-01T24:30:00Z", "2026-11-01T23:60:00Z",
                     "2026-11-01T23:59:61Z", "2026-02-30T02:00:00.5Z", "2026-02-30T02:00:00+01:00"] {
            #expect(Timestamp.parse(text) == nil, "\(text)")
        }
    }

    @Test func anImpossibleLetheNowIsAUsageError() {
        #expect(throws: ClockError.self) { try SystemClock(environment: ["LETHE_NOW": "2026-02-30"]) }
    }
}
