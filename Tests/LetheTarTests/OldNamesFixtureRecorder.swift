import Foundation
import LetheCore
import LetheTestSupport
import LetheCrypto
import LetheFormat
import LetheTar
import Testing

/// Writes `Fixtures/old-names.lethe` with the code of this commit (UTF-8 pax names, C.UTF-8).
/// Run once with LETHE_RECORD_OLD_NAMES=1; removed in the next commit so the fixture can never
/// be re-recorded by newer code.
@Suite struct OldNamesFixtureRecorder {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["LETHE_RECORD_OLD_NAMES"] == "1"))
    func record() throws {
        let temp = TempFolder()
        let source = temp.folder("customer", mode: 0o755)
        OldNamesFixture.build(Array(source.path.utf8))
        let customerKey = SecretKey.random(), expiryKey = SecretKey.random()
        let header = ArchiveHeader(
            pseudonym: Pseudonym("pfixtureoldnames0000000000000"), setID: SetID("20261130T080000Z-name"),
            archiveID: ArchiveID("oldnamesfixture00000000000"),
            created: Date(timeIntervalSince1970: 1_796_025_600), deleteBy: Date(timeIntervalSince1970: 1_796_630_400),
            customerKeyID: customerKey.id, expiryKeyID: expiryKey.id, chunkSize: 1024)
        let sink = BufferSink()
        let writer = try ArchiveWriter(header: header, customerKey: customerKey, expiryKey: expiryKey, output: sink)
        let report = try TarPacker.pack(folder: source, into: writer)
        try writer.finish()
        #expect(report.entries == OldNamesFixture.nodes.count)
        #expect(report.skippedPaths.isEmpty)

        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        try Data(sink.bytes).write(to: folder.appendingPathComponent("old-names.lethe"))
        func hex(_ key: SecretKey) -> String { key.withUnsafeBytes { $0.map { String(format: "%02x", $0) }.joined() } }
        let keys = "# customer key, then expiry key (hex): test keys for old-names.lethe only\n\(hex(customerKey))\n\(hex(expiryKey))\n"
        try Data(keys.utf8).write(to: folder.appendingPathComponent("old-names.keys"))
    }
}
