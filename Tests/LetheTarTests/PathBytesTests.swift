import Testing
@testable import LetheTar

@Suite struct PathBytesTests {
    @Test func repairEscapesOnlyInvalidBytes() {
        let mixed = Array("é".utf8) + [0xff] + Array("日".utf8) + [0xe6, 0x97] + Array("x".utf8)
        #expect(String(decoding: PathBytes.repairingUTF8(mixed), as: UTF8.self) == "é%FF日%E6%97x")
        #expect(PathBytes.repairingUTF8(Array("ok 🎉".utf8)) == Array("ok 🎉".utf8))
    }

    @Test func manifestEscapingIsReversibleASCII() {
        #expect(PathBytes.escape(Array("data/a b%é".utf8) + [0xff, 0x0a]) == "data/a%20b%25%C3%A9%FF%0A")
    }

    @Test func staysInsideFollowsOtherLinks() {
        let links: [[UInt8]: [UInt8]] = [Array("sub/back".utf8): Array("..".utf8)]
        let lookup: ([[UInt8]]) -> [UInt8]? = { links[PathBytes.join($0)] }
        let sub = [Array("sub".utf8)]
        #expect(PathBytes.staysInside(linkFolder: sub, target: Array("back".utf8), lookup: lookup))
        #expect(!PathBytes.staysInside(linkFolder: sub, target: Array("back/..".utf8), lookup: lookup))
        #expect(PathBytes.staysInside(linkFolder: sub, target: Array("../x/../sub/./y".utf8), lookup: lookup))
        #expect(!PathBytes.staysInside(linkFolder: [], target: Array("..".utf8), lookup: lookup))
        #expect(!PathBytes.staysInside(linkFolder: [], target: Array("/etc".utf8), lookup: lookup))
        // A loop cannot lead anywhere.
        let loop: ([[UInt8]]) -> [UInt8]? = { _ in Array("a".utf8) }
        #expect(PathBytes.staysInside(linkFolder: [], target: Array("a".utf8), lookup: loop))
    }
}
