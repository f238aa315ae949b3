import Foundation
import LetheCatalog
import LetheCore

/// The catalog copies a backup chooses each customer's base among (``BackupJob/level(of:plan:)``),
/// read a slice of customers at a time, the slices of ``CustomerKeySlices``: one read of the
/// catalog per 64 customers instead of three per customer.
///
/// A slice is read by the worker that reads its keys, before any of them is handed out (so the
/// slice's pseudonyms are known, and a customer's candidates are ready when it asks); each
/// customer's candidates are handed out once, then forgotten. The read brings each customer's
/// newest candidate's base index too (``Catalog/baseCandidates(of:classes:indexEntries:)``, at
/// most ``indexEntries`` entries a slice): the base the level rules choose unless a copy of it
/// was found wrong; any other base's index is read on its own. Nothing changes for the
/// invariants: while a backup runs, only a shred of the customer can take a base's copies
/// away (expiry waits for the run lock), and an archive of a customer shredded meanwhile is
/// refused before its batch is published and again after it is recorded.
final class BaseCandidateSlices: @unchecked Sendable {
    private let catalog: Catalog
    private let classes: [RetentionClass]
    private let lock = NSLock()
    /// Read but not yet taken, by pseudonym.
    private var ready: [Pseudonym: BaseCandidates] = [:]
    /// The base index entries a slice's read brings at most (a few MiB): past them, each
    /// customer reads its base's index on its own.
    static let indexEntries = 65_536

    /// Candidates of `classes` (``ArchiveLevelPlanner/baseClasses(of:)`` of the set's class:
    /// none for a full class, and then nothing is read).
    init(catalog: Catalog, classes: [RetentionClass]) {
        self.catalog = catalog
        self.classes = classes
    }

    /// Reads the candidates of one slice's customers. A slice that cannot be read is left to
    /// each customer's own read (``candidates(of:)``).
    func read(_ pseudonyms: [Pseudonym]) {
        guard !classes.isEmpty, !pseudonyms.isEmpty,
              let candidates = try? catalog.baseCandidates(of: pseudonyms, classes: classes, indexEntries: Self.indexEntries) else { return }
        lock.withLock { ready.merge(candidates) { first, _ in first } }
    }

    /// The live copies of the customer `pseudonym` whose archive has a base index and a class a
    /// base may have, with the newest one's index when its slice's read brought it.
    ///
    /// - Throws: the catalog's error when the customer's copies cannot be read.
    func candidates(of pseudonym: Pseudonym) throws -> BaseCandidates {
        guard !classes.isEmpty else { return BaseCandidates(copies: []) }
        if let found = lock.withLock({ ready.removeValue(forKey: pseudonym) }) { return found }
        return BaseCandidates(copies: try catalog.baseCandidateCopies(of: [pseudonym], classes: classes)[pseudonym] ?? [])
    }
}
