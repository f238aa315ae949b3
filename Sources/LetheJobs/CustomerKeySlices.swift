import Foundation
import LetheCore
import LetheKeys

/// The customer keys of a backup's customers, read from the key store a slice at a time (one
/// read transaction per `size` customers instead of one per customer) and handed out once each.
///
/// A key is forgotten as soon as its customer's worker takes it, so it lives no longer than a
/// slice's packing. Erasure still wins every race: a customer shredded before its slice is read
/// gets `customerShredded` as before; one shredded after is caught, as with a key read just
/// before packing, by the shred check after packing (`KeyStore.refuseShredded`) and by the
/// batch's tombstone read after recording, which remove the archive.
final class CustomerKeySlices: @unchecked Sendable {
    private let store: KeyStore
    private let customers: [CustomerID]
    private let now: Date
    private let size: Int
    private let lock = NSLock()
    /// Read but not yet taken, by customer index.
    private var ready: [Int: Result<CustomerKeys?, any Error>] = [:]
    /// Slices already read (by first index).
    private var sliceStarts: Set<Int> = []
    /// The pseudonyms each slice's read found (by first index), for reads of the same slice
    /// elsewhere (``BaseCandidateSlices``). Pseudonyms only: no key stays here.
    private var slicePseudonyms: [Int: [Pseudonym]] = [:]

    init(store: KeyStore, customers: [CustomerID], now: Date, size: Int = 64) {
        self.store = store
        self.customers = customers
        self.now = now
        self.size = max(1, size)
    }

    /// The keys of the customer at `index`, created if it has none (as
    /// `KeyStore.keysCreatingIfNeeded`); throws that customer's error (`customerShredded`).
    func keys(at index: Int) throws -> CustomerKeys {
        let found: Result<CustomerKeys?, any Error>? = lock.withLock {
            let start = sliceStart(of: index)
            if !sliceStarts.contains(start) {
                sliceStarts.insert(start)
                let slice = Array(start..<min(start + size, customers.count))
                // A slice that cannot be read at all: each customer reads on its own below.
                if let results = try? store.keys(for: slice.map { customers[$0] }) {
                    for (position, result) in zip(slice, results) { ready[position] = result }
                    slicePseudonyms[start] = results.compactMap { try? $0.get()?.pseudonym }
                }
            }
            return ready.removeValue(forKey: index)
        }
        if let keys = try found?.get() { return keys }
        return try store.keysCreatingIfNeeded(for: customers[index], now: now)
    }

    /// The index of the first customer of `index`'s slice.
    func sliceStart(of index: Int) -> Int { index - index % size }

    /// The pseudonyms of the customers of `index`'s slice that had keys when it was read
    /// (empty if it was not read, or could not be).
    func pseudonyms(inSliceOf index: Int) -> [Pseudonym] {
        lock.withLock { slicePseudonyms[sliceStart(of: index)] ?? [] }
    }
}
