import Foundation
import LetheCore
import LetheTestSupport
import Testing
@testable import LetheTar
#if canImport(Glibc)
import Glibc
#endif

/// libarchive calls run under their own per-thread locale (`NameLocale`): names stay bytes
/// whatever locale the calling thread or the process has, and neither is changed.
@Suite struct NameLocaleTests {
    static func codeset() -> String { String(cString: nl_langinfo(nl_item(CODESET))) }

    @Test func aThreadUnderCUTF8StillRoundTripsNFDNamesAndKeepsItsLocale() throws {
        // C.UTF-8 for this thread only (the locale that made libarchive normalise names to NFC).
        let utf8 = try #require(newlocale(1 << LC_CTYPE, "C.UTF-8", nil))
        defer { freelocale(utf8) }
        let previous = uselocale(utf8)
        defer { uselocale(previous) }
        #expect(Self.codeset() == "UTF-8")

        let (source, restored) = try NameBytesTests.roundTrip { root in
            Tree.file(root, NastyNames.nfdE, Array("nfd".utf8))
            Tree.file(root, NastyNames.nfcE, Array("nfc".utf8))
            Tree.symlink(root, Array("link".utf8), to: NastyNames.nfdE)
        }
        NameBytesTests.expectSame(source, restored)
        #expect(Self.codeset() == "UTF-8")
    }

    @Test func theScopeSetsTheLocaleAndPutsBackThePreviousOne() throws {
        let before = Self.codeset()
        #expect(try NameLocale.bytes.run { Self.codeset() } == "ANSI_X3.4-1968")
        #expect(try NameLocale.utf8.run { Self.codeset() } == "UTF-8")
        #expect(try NameLocale.utf8.run { try NameLocale.bytes.run { Self.codeset() } } == "ANSI_X3.4-1968")
        #expect(Self.codeset() == before)
    }

    @Test func theProcessLocaleIsNeverChanged() throws {
        let before = String(cString: setlocale(LC_CTYPE, nil))
        _ = try NameBytesTests.roundTrip { root in Tree.file(root, NastyNames.nfdE, [1]) }
        #expect(String(cString: setlocale(LC_CTYPE, nil)) == before)
    }
}
