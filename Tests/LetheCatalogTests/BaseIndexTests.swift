import Foundation
import GRDB
@testable import LetheCatalog
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
    @Test func aBatchRecordsEachCopyWithItsIndexInTheSameTransaction() throws {
        let (folder, catalog, _) = try catalog()
        defer { withExtendedLifetime(folder) {} }
        let copies = ["a2", "a3"].map { archive in
            CopyRecord(archiveID: ArchiveID(archive), setID: set, pseudonym: Pseudonym("p\(archive)"), retentionClass: .monthly,
                       location: .local, objectKey: ObjectKey("archives/p\(archive)/\(set)-\(archive).lethe")!, created: start,
                       deleteBy: start.addingTimeInterval(180 * 86_400), state: .live, bytes: 10)
        }
        let results = catalog.recordCopies([
            CopyEntry(copy: copies[0], event: LedgerEvent(kind: "copy.written", at: start, details: ["archive": "a2"]), baseIndex: entries),
            CopyEntry(copy: copies[1], event: LedgerEvent(kind: "copy.written", at: start, details: ["archive": "a3"]), baseIndex: nil),
        ])
        for result in results { #expect(try result.get().id > 0) }
        #expect(try catalog.baseIndex(ArchiveID("a2"))?.count == 2)
        #expect(try catalog.baseIndex(ArchiveID("a3")) == nil, "no index was given for it")
    }

    /// Recording a base index checks that its archive has a copy, and the trigger that removes an
    /// index looks for the archive's other copies: both find copies by archive through an index,
    /// never by reading the whole table once per archive (a night of 20,000 new customers did so
    /// 20,000 times).
    @Test func copiesAreFoundByArchiveThroughAnIndex() throws {
        let (folder, catalog, _) = try catalog()
        defer { withExtendedLifetime(folder) {} }
        withExtendedLifetime(catalog) {}
        let queue = try DatabaseQueue(path: folder.url.appendingPathComponent("catalog.sqlite").path)
        let plan = try queue.read { db in
            try Row.fetchAll(db, sql: """
                EXPLAIN QUERY PLAN SELECT 1 FROM copies WHERE archive_id = 'a1' AND state NOT IN ('deleted', 'shredded') LIMIT 1
                """).map { $0["detail"] as String? ?? "" }
        }
        #expect(plan.contains { $0.contains("USING INDEX") || $0.contains("USING COVERING INDEX") }, "\(plan)")
        #expect(!plan.contains { $0.hasPrefix("SCAN copies") }, "\(plan)")
    }

    /// A slice's read brings each customer's newest candidate's index with its candidates, in
    /// the same transaction, within its budget of entries; an older candidate's index is not read.
    @Test func aSliceReadBringsTheNewestCandidatesIndexWithinItsBudget() throws {
        let (folder, catalog, _) = try catalog()
        defer { withExtendedLifetime(folder) {} }
        try catalog.recordBaseIndex(ArchiveID("a1"), entries: entries)
        let later = start.addingTimeInterval(7 * 86_400)
        let laterSet = SetID("20261109T010000Z-efgh")
        try catalog.beginSet(SetRecord(id: laterSet, created: later, retentionClass: .weekly, state: .complete, policy: "default"),
                             event: LedgerEvent(kind: "set.started", at: later, details: ["set": laterSet.rawValue]))
        let newer = CopyRecord(archiveID: ArchiveID("a2"), setID: laterSet, pseudonym: Pseudonym("pone"), retentionClass: .weekly,
                               location: .local, objectKey: ObjectKey("archives/pone/\(laterSet)-a2.lethe")!, created: later,
                               deleteBy: later.addingTimeInterval(180 * 86_400), state: .live, bytes: 10)
        _ = catalog.recordCopies([CopyEntry(copy: newer, event: LedgerEvent(kind: "copy.written", at: later, details: ["archive": "a2"]),
                                            baseIndex: [entries[0]])])
        let pseudonyms = [Pseudonym("pone"), Pseudonym("ptwo")]
        let read = try catalog.baseCandidates(of: pseudonyms, classes: [.monthly, .weekly], indexEntries: 10)
        let one = try #require(read[Pseudonym("pone")])
        #expect(one.copies.map(\.archiveID.rawValue).sorted() == ["a1", "a1", "a2"])
        #expect(one.newestIndex?.archive == ArchiveID("a2"))
        #expect(one.index(of: ArchiveID("a2")) == [BaseIndexKey(device: entries[0].device, inode: entries[0].inode): entries[0]])
        #expect(one.index(of: ArchiveID("a1")) == nil, "only the newest candidate's index is read with the slice")
        #expect(read[Pseudonym("ptwo")]?.copies.isEmpty == true && read[Pseudonym("ptwo")]?.newestIndex == nil)
        #expect(try catalog.baseCandidateCopies(of: pseudonyms, classes: [.monthly, .weekly]).mapValues { $0.map(\.id) }
                == read.mapValues { $0.copies.map(\.id) })

        // Only a1's copies as candidates: its two entries fit a budget of two, not of one.
        #expect(try catalog.baseCandidates(of: pseudonyms, classes: [.monthly], indexEntries: 2)[Pseudonym("pone")]?.newestIndex?.entries.count == 2)
        #expect(try catalog.baseCandidates(of: pseudonyms, classes: [.monthly], indexEntries: 1)[Pseudonym("pone")]?.newestIndex == nil)
        #expect(try catalog.baseCandidates(of: pseudonyms, classes: [.monthly], indexEntries: 0)[Pseudonym("pone")]?.newestIndex == nil)
    }

    /// A backup reads its customers' base candidates a slice at a time: the read finds the
    /// slice's copies through the pseudonym index, never through the state index, which would
    /// read every live copy of every customer once per slice (a night of 20,000 customers after
    /// a first night read 20,000 rows for each of its 313 slices).
    @Test func baseCandidatesAreFoundByPseudonymNotByState() throws {
        let (folder, catalog, _) = try catalog()
        defer { withExtendedLifetime(folder) {} }
        withExtendedLifetime(catalog) {}
        let queue = try DatabaseQueue(path: folder.url.appendingPathComponent("catalog.sqlite").path)
        let classes: [RetentionClass] = [.monthly, .yearly]
        let plan = try queue.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + Catalog.baseCandidateSQL(pseudonyms: 64, classes: classes.count),
                             arguments: StatementArguments((0..<64).map { "p\($0)" } + classes.map(\.rawValue)))
                .map { $0["detail"] as String? ?? "" }
        }
        #expect(plan.contains { $0.contains("SEARCH copies USING INDEX copies_by_pseudonym") }, "\(plan)")
        #expect(!plan.contains { $0.contains("copies_by_state") || $0.hasPrefix("SCAN copies") }, "\(plan)")
    }
}
