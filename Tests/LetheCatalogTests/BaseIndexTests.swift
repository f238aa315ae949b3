import Foundation
import LetheCatalog
import LetheCore
import LetheTestSupport
import Testing

/// The names-free base index lives exactly as long as its archive has a copy: recorded and read
/// back whole, kept while one location still holds a copy, gone when the last copy is deleted
/// at expiry or the customer is shredded.
@Suite struct BaseIndexTests {
    let start = Date(timeIntervalSince1970: 1_796_004_000)
    let set = SetID("20261102T010000Z-abcd")
    let entries = [
        BaseIndexEntry(device: 2049, inode: 131_074, size: 11, mtimeNanos: 1_796_000_000_123_456_789, ctimeNanos: 1_796_000_000_223_456_789),
        BaseIndexEntry(device: UInt64.max, inode: UInt64.max - 1, size: 0, mtimeNanos: -1, ctimeNanos: 0),
    ]

    /// A catalog with one set and an archive `a1` of pseudonym `pone`, copied locally and offsite.
    func catalog() throws -> (TemporaryDirectory, Catalog, [CopyRecord]) {
        let folder = try TemporaryDirectory(prefix: "lethe-base-index")
        let catalog = try Catalog(path: folder.url.appendingPathComponent("catalog.sqlite"), create: true)
        try catalog.beginSet(SetRecord(id: set, created: start, retentionClass: .monthly, state: .complete, policy: "default"),
                             event: LedgerEvent(kind: "set.started", at: start, details: ["set": set.rawValue]))
        let copies = try Location.allCases.map { location in
            try catalog.recordCopy(CopyRecord(archiveID: ArchiveID("a1"), setID: set, pseudonym: Pseudonym("pone"), retentionClass: .monthly,
                                              location: location, objectKey: ObjectKey("archives/pone/\(set)/a1.lethe")!, created: start,
                                              deleteBy: start.addingTimeInterval(180 * 86_400), state: .live, bytes: 1234),
                                   event: LedgerEvent(kind: "copy.written", at: start, details: ["archive": "a1"]))
        }
        return (folder, catalog, copies)
    }

    @Test func anIndexIsReadBackWholeByDeviceAndInode() throws {
        let (folder, catalog, _) = try catalog()
        defer { withExtendedLifetime(folder) {} }
        try catalog.recordBaseIndex(ArchiveID("a1"), entries: entries)
        let index = try #require(try catalog.baseIndex(ArchiveID("a1")))
        #expect(index.count == 2)
        for entry in entries { #expect(index[BaseIndexKey(device: entry.device, inode: entry.inode)] == entry) }
        #expect(try catalog.baseIndex(ArchiveID("other")) == nil)
    }

    @Test func theIndexGoesWithTheLastCopyNotBefore() throws {
        let (folder, catalog, copies) = try catalog()
        defer { withExtendedLifetime(folder) {} }
        try catalog.recordBaseIndex(ArchiveID("a1"), entries: entries)
        try catalog.updateCopy(copies[0].id, state: .deleted, event: nil)
        #expect(try catalog.baseIndex(ArchiveID("a1"))?.count == 2, "the offsite copy is still live")
        try catalog.updateCopy(copies[1].id, state: .deleted, event: nil)
        #expect(try catalog.baseIndex(ArchiveID("a1")) == nil)
        #expect(try catalog.indexedArchiveCount() == 0)
    }

    @Test func aShredTakesTheIndexOfEveryArchiveOfThePseudonym() throws {
        let (folder, catalog, _) = try catalog()
        defer { withExtendedLifetime(folder) {} }
        try catalog.recordBaseIndex(ArchiveID("a1"), entries: entries)
        _ = try catalog.markShredded(Pseudonym("pone")) { _ in LedgerEvent(kind: "customer.shredded", at: start, details: ["pseudonym": "pone"]) }
        #expect(try catalog.baseIndex(ArchiveID("a1")) == nil)
    }

    @Test func anArchiveWithoutACopyCannotBeIndexed() throws {
        let (folder, catalog, _) = try catalog()
        defer { withExtendedLifetime(folder) {} }
        #expect(throws: CatalogError.self) { try catalog.recordBaseIndex(ArchiveID("nowhere"), entries: entries) }
    }
}
