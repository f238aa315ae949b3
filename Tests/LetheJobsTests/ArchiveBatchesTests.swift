import Foundation
import LetheCore
@testable import LetheJobs
import Testing

/// A backup's archives are committed in batches: full at `size` archives or at `bytes`, the
/// rest at the flush; each archive exactly once.
@Suite struct ArchiveBatchesTests {
    static func archive(_ index: Int, bytes: Int64) -> StagedArchive {
        StagedArchive(index: index, customer: CustomerID("c\(index)")!, pseudonym: Pseudonym("p\(index)"), archiveID: ArchiveID("a\(index)"), baseArchiveID: nil,
                      object: .stored(StoredObject(key: ObjectKey("archives/p\(index)/a.lethe")!, size: bytes)), report: nil)
    }

    @Test func batchesFillByCountOrBytesAndTheFlushTakesTheRest() {
        let committed = LockedBatches()
        let batches = ArchiveBatches(size: 3, bytes: 100) { committed.append($0.map(\.index)) }
        for index in 0..<4 { batches.add(Self.archive(index, bytes: 10)) }
        batches.add(Self.archive(4, bytes: 90))  // with archive 3: 100 bytes
        batches.add(Self.archive(5, bytes: 500))  // alone over the limit
        batches.add(Self.archive(6, bytes: 1))
        #expect(committed.all == [[0, 1, 2], [3, 4], [5]])
        batches.flush()
        batches.flush()
        #expect(committed.all == [[0, 1, 2], [3, 4], [5], [6]])
    }
}

final class LockedBatches: @unchecked Sendable {
    private let lock = NSLock()
    private var batches: [[Int]] = []
    func append(_ batch: [Int]) { lock.withLock { batches.append(batch) } }
    var all: [[Int]] { lock.withLock { batches } }
}

/// A batch reads its customers' tombstones in one key-store read: each in order, as
/// `tombstone(_:)` reads one.
@Suite struct BatchTombstoneTests {
    @Test func tombstonesAreReadInOrderForTheWholeBatch() throws {
        let fixture = try JobFixture(customers: ["c1": ["a.txt": Array("one".utf8)], "c2": ["b.txt": Array("two".utf8)]])
        #expect(try BackupJob(home: fixture.home()).run().state == .complete)
        let home = try fixture.home()
        let (c1, c2) = (CustomerID("c1")!, CustomerID("c2")!)
        _ = try ShredJob(home: home).run(customer: c1, request: "REQ-7")
        let read = try home.keys.tombstones([c1, c2, c1])
        #expect(read.map { $0?.request } == ["REQ-7", nil, "REQ-7"])
        #expect(try home.keys.tombstone(c1)?.request == "REQ-7" && home.keys.tombstone(c2) == nil)
    }
}
