import Foundation
import LetheCore
@testable import LetheJobs
import Testing

/// A backup's archives are committed in batches: full at `size` archives or at `bytes`, the
/// rest at the flush; each archive exactly once.
@Suite struct ArchiveBatchesTests {
    static func archive(_ index: Int, bytes: Int64) -> StagedArchive {
        StagedArchive(index: index, customer: CustomerID("c\(index)")!, pseudonym: Pseudonym("p\(index)"), archiveID: ArchiveID("a\(index)"), baseArchiveID: nil, levelReason: "",
                      object: .stored(StoredObject(key: ObjectKey("archives/p\(index)/a.lethe")!, size: bytes)), report: nil)
    }

    @Test func batchesFillByCountOrBytesAndTheFlushTakesTheRest() {
        let committed = LockedBatches()
        let batches = ArchiveBatches(size: 3, bytes: 100, publish: { $0 }, record: { $0 }) { for batch in $0 { committed.append(batch.map(\.index)) } }
        for index in 0..<4 { batches.add(Self.archive(index, bytes: 10)) }
        batches.add(Self.archive(4, bytes: 90))  // with archive 3: 100 bytes
        batches.add(Self.archive(5, bytes: 500))  // alone over the limit
        batches.add(Self.archive(6, bytes: 1))
        batches.flush()
        batches.flush()
        #expect(committed.all == [[0, 1, 2], [3, 4], [5], [6]])
        batches.add(Self.archive(7, bytes: 1))
        batches.flush()
        #expect(committed.all == [[0, 1, 2], [3, 4], [5], [6], [7]])
    }

    /// The workers go on packing while a batch commits: `add` returns with a commit still
    /// running, up to a backlog of two batches. The first commit waits for the six adds (its own
    /// batch and the backlog) behind it (a committing worker would
    /// wait for itself: the 60 s are a guard against that hang, never a measure of speed).
    @Test func addingDoesNotWaitForARunningCommit() {
        let allAdded = DispatchSemaphore(value: 0)
        let committed = LockedBatches()
        let sawAllAdded = LockedBatches()
        let batches = ArchiveBatches(size: 2, bytes: 1 << 30, publish: { batch in
            if batch.first?.index == 0 { sawAllAdded.append([allAdded.wait(timeout: .now() + 60) == .success ? 1 : 0]) }
            return batch
        }, record: { $0 }) { for batch in $0 { committed.append(batch.map(\.index)) } }
        for index in 0..<6 { batches.add(Self.archive(index, bytes: 1)) }
        allAdded.signal()
        batches.flush()
        #expect(sawAllAdded.all == [[1]])
        #expect(committed.all == [[0, 1], [2, 3], [4, 5]])
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
