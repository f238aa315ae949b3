import Foundation
import LetheCatalog
import LetheCore

/// The catalog copies a backup chooses each customer's base among (``BackupJob/level(of:index:plan:)``),
/// read a slice of customers at a time, the slices of ``CustomerKeySlices``: one read of the
/// catalog per 64 customers instead of three per customer.
///
/// A slice is read when its first customer asks, after that customer's keys (so the slice's
/// pseudonyms are known); each customer's copies are handed out once, then forgotten. Nothing
/// changes for the invariants: the base index itself is still read per customer just before
/// packing, and a base whose copies were shredded or deleted since its slice was read has no
/// index left (the catalog's trigger), so its customer's archive is full, as before.
final class BaseCandidateSlices: @unchecked Sendable {
    private let catalog: Catalog
    private let keys: CustomerKeySlices
    private let classes: [RetentionClass]
    private let lock = NSLock()
    /// Read but not yet taken, by pseudonym.
    private var ready: [Pseudonym: [CopyRecord]] = [:]
    /// Slices already read (by first index).
    private var sliceStarts: Set<Int> = []

    /// Candidates of `classes` (``ArchiveLevelPlanner/baseClasses(of:)`` of the set's class:
    /// none for a full class, and then nothing is read) for the customers of `keys`.
    init(catalog: Catalog, keys: CustomerKeySlices, classes: [RetentionClass]) {
        self.catalog = catalog
        self.keys = keys
        self.classes = classes
    }

    /// The live copies of the customer at `index` (pseudonym `pseudonym`) whose archive has a
    /// base index and a class a base may have.
    ///
    /// - Throws: the catalog's error when the customer's copies cannot be read.
    func copies(at index: Int, pseudonym: Pseudonym) throws -> [CopyRecord] {
        guard !classes.isEmpty else { return [] }
        let found: [CopyRecord]? = lock.withLock {
            let start = keys.sliceStart(of: index)
            if !sliceStarts.contains(start) {
                sliceStarts.insert(start)
                // A slice that cannot be read at all: each customer reads on its own below.
                if let copies = try? catalog.baseCandidateCopies(of: keys.pseudonyms(inSliceOf: index) + [pseudonym], classes: classes) {
                    ready.merge(copies) { first, _ in first }
                }
            }
            return ready.removeValue(forKey: pseudonym)
        }
        if let found { return found }
        return try catalog.baseCandidateCopies(of: [pseudonym], classes: classes)[pseudonym] ?? []
    }
}
