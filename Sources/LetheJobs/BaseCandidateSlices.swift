import Foundation
import LetheCatalog
import LetheCore

/// The catalog copies a backup chooses each customer's base among (``BackupJob/level(of:index:plan:)``),
/// read a slice of customers at a time, the slices of ``CustomerKeySlices``: one read of the
/// catalog per 64 customers instead of three per customer.
///
/// A slice is read when its first customer asks, after that customer's keys (so the slice's
/// pseudonyms are known); each customer's candidates are handed out once, then forgotten. The
/// read brings each customer's newest candidate's base index too (``Catalog/baseCandidates(of:classes:indexEntries:)``,
/// at most ``indexEntries`` entries a slice): the base the level rules choose unless a copy of
/// it was found wrong; any other base's index is read on its own. Nothing changes for the
/// invariants: while a backup runs, only a shred of the customer can take a base's copies
/// away (expiry waits for the run lock), and an archive of a customer shredded meanwhile is
/// refused after packing and again after its batch is recorded, as before.
final class BaseCandidateSlices: @unchecked Sendable {
    private let catalog: Catalog
    private let keys: CustomerKeySlices
    private let classes: [RetentionClass]
    private let lock = NSLock()
    /// Read but not yet taken, by pseudonym.
    private var ready: [Pseudonym: BaseCandidates] = [:]
    /// The base index entries a slice's read brings at most (a few MiB): past them, each
    /// customer reads its base's index on its own.
    static let indexEntries = 65_536
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
    /// base index and a class a base may have, with the newest one's index when read.
    ///
    /// - Throws: the catalog's error when the customer's copies cannot be read.
    func candidates(at index: Int, pseudonym: Pseudonym) throws -> BaseCandidates {
        guard !classes.isEmpty else { return BaseCandidates(copies: []) }
        let found: BaseCandidates? = lock.withLock {
            let start = keys.sliceStart(of: index)
            if !sliceStarts.contains(start) {
                sliceStarts.insert(start)
                // A slice that cannot be read at all: each customer reads on its own below.
                if let candidates = try? catalog.baseCandidates(of: keys.pseudonyms(inSliceOf: index) + [pseudonym], classes: classes,
                                                                indexEntries: Self.indexEntries) {
                    ready.merge(candidates) { first, _ in first }
                }
            }
            return ready.removeValue(forKey: pseudonym)
        }
        if let found { return found }
        return BaseCandidates(copies: try catalog.baseCandidateCopies(of: [pseudonym], classes: classes)[pseudonym] ?? [])
    }
}
