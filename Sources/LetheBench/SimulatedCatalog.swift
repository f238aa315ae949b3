import Foundation
import LetheCatalog
import LetheCore

/// Simulated catalog rows (no archive bytes anywhere), as the benchmarks fill a home's catalog:
/// complete sets begun as a nightly run begins them, and copies recorded in large transactions,
/// each with one `bench.copies` ledger event.
struct SimulatedCatalog {
    let catalog: Catalog
    /// Copies recorded in one transaction.
    let batchSize: Int
    private var batch: [CopyRecord] = []

    init(_ catalog: Catalog, batchSize: Int) {
        self.catalog = catalog
        self.batchSize = batchSize
        batch.reserveCapacity(batchSize)
    }

    /// Records a complete set of `customers` created at `created`, with its `set.started` event.
    func beginSet(created: Date, retentionClass: RetentionClass, customers: Int, policy: String) throws -> SetID {
        let id = SetID.make(created: created)
        try catalog.beginSet(SetRecord(id: id, created: created, retentionClass: retentionClass, state: .complete, policy: policy),
                             event: LedgerEvent(LedgerEvent.SetStarted(set: id, retentionClass: retentionClass, customers: customers), at: created))
        return id
    }

    /// Adds a copy; once `batchSize` are waiting, records them with an event at `date`.
    mutating func append(_ copy: CopyRecord, at date: Date) throws {
        batch.append(copy)
        if batch.count >= batchSize { try flush(at: date) }
    }

    /// Records the copies waiting, if any, with one event at `date`.
    mutating func flush(at date: Date) throws {
        guard !batch.isEmpty else { return }
        try catalog.recordCopies(batch, event: LedgerEvent(LedgerEvent.BenchCopies(copies: batch.count), at: date))
        batch.removeAll(keepingCapacity: true)
    }
}
