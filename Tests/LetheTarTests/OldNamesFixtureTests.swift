import Foundation
import LetheCore
import LetheCrypto
import LetheFormat
import LetheTestSupport
import Testing
@testable import LetheTar

/// Archives written before names were stored with `hdrcharset=BINARY` restore byte for byte:
/// their UTF-8 pax names are read under the "C" locale, which returns the stored bytes.
@Suite struct OldNamesFixtureTests {
    @Test func anArchiveWrittenByTheOldCodeRestoresByteForByte() throws {
        let archive = try Data(contentsOf: OldNamesFixture.url("old-names.lethe"))
        let keys = try OldNamesFixture.keys()
        let reader = try SealedArchive.open(BufferSource(Array(archive))).unseal(customerKey: keys.customer, expiryKey: keys.expiry)
        let temp = TempFolder()
        let staging = temp.folder("staging")
        let report = try TarUnpacker.unpack(from: reader, into: staging)
        #expect(report.files + report.directories + report.symlinks == OldNamesFixture.nodes.count)
        let restored = Tree.snapshot(Array(staging.path.utf8)).sorted { $0.path.lexicographicallyPrecedes($1.path) }
        NameBytesTests.expectSame(OldNamesFixture.expected, restored)
    }
}
