import Foundation
import LetheCore
import LetheKeys

/// The customer keys of a backup's customers, read from the key store a slice at a time (one
/// read transaction per `size` customers instead of one per customer) and handed out once each.
///
/// The first worker to reach a slice reads it while the others wait for it; the worker halfway
/// through a slice reads the next one, so the workers seldom wait. A slice's read hands its
/// pseudonyms to `alsoRead` (the slice's base candidates, ``BaseCandidateSlices``) before any of
/// its keys is handed out. No lock is held while reading.
///
/// A key is forgotten as soon as its customer's worker takes it, so it lives no longer than two
/// slices' packing. Erasure still wins every race: a customer shredded before its slice is read
/// gets `customerShredded` as before; one shredded after is caught, as with a key read just
/// before packing, by its batch's tombstone reads before publishing and after recording, which
/// remove the archive.
final class CustomerKeySlices: @unchecked Sendable {
    private let store: KeyStore
    private let customers: [CustomerID]
    private let now: Date
    private let size: Int
    private let alsoRead: @Sendable ([Pseudonym]) -> Void
    private let condition = NSCondition()
    /// Read but not yet taken, by customer index.
    private var ready: [Int: Result<CustomerKeys?, any Error>] = [:]
    /// Slices whose read has started, and those whose read has ended (by first index).
    private var started: Set<Int> = []
    private var finished: Set<Int> = []

    init(store: KeyStore, customers: [CustomerID], now: Date, size: Int = 64,
         alsoRead: @escaping @Sendable ([Pseudonym]) -> Void = { _ in }) {
        self.store = store
        self.customers = customers
        self.now = now
        self.size = max(1, size)
        self.alsoRead = alsoRead
    }

    /// The keys of the customer at `index`, created if it has none (as
    /// `KeyStore.keysCreatingIfNeeded`); throws that customer's error (`customerShredded`).
    func keys(at index: Int) throws -> CustomerKeys {
        let start = index - index % size
        readSlice(at: start, waiting: true)
        let found = condition.withLock { ready.removeValue(forKey: index) }
        if index - start == size / 2 { readSlice(at: start + size, waiting: false) }
        if let keys = try found?.get() { return keys }
        return try store.keysCreatingIfNeeded(for: customers[index], now: now)
    }

    /// Reads the slice that starts at `start`, unless another worker has started to; `waiting`
    /// then waits for that worker's read to end. A slice that cannot be read at all is left to
    /// each customer's own read.
    private func readSlice(at start: Int, waiting: Bool) {
        guard start < customers.count else { return }
        let first = condition.withLock { () -> Bool in
            if started.insert(start).inserted { return true }
            while waiting && !finished.contains(start) { condition.wait() }
            return false
        }
        guard first else { return }
        let slice = start..<min(start + size, customers.count)
        let results = try? store.keys(for: slice.map { customers[$0] })
        if let results { alsoRead(results.compactMap { try? $0.get()?.pseudonym }) }
        condition.withLock {
            for (position, result) in zip(slice, results ?? []) { ready[position] = result }
            finished.insert(start)
            condition.broadcast()
        }
    }
}
