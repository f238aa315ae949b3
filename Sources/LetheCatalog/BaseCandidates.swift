import Foundation
import LetheCore

/// One customer's base candidates as a backup reads them a slice of customers at a time
/// (``Catalog/baseCandidates(of:classes:indexEntries:)``): the live copies a differential's
/// base is chosen among and, when the slice's budget allowed, the base index of the newest
/// candidate archive, read in the same transaction (the base the level rules choose unless a
/// copy of it was found wrong, or it does not outlive the new archive).
public struct BaseCandidates: Sendable {
    /// The live copies of the base classes whose archive has a base index.
    public var copies: [CopyRecord]
    /// The newest candidate archive's id and index; nil when the customer has no candidate or
    /// the slice's indexes were larger than the read allows.
    public var newestIndex: (archive: ArchiveID, entries: [BaseIndexKey: BaseIndexEntry])?

    /// Candidates `copies`, with the index of the newest one if read.
    public init(copies: [CopyRecord], newestIndex: (archive: ArchiveID, entries: [BaseIndexKey: BaseIndexEntry])? = nil) {
        self.copies = copies
        self.newestIndex = newestIndex
    }

    /// The index of `archive` if it is the one read with the candidates; nil otherwise (read it
    /// with ``Catalog/baseIndex(_:)``).
    public func index(of archive: ArchiveID) -> [BaseIndexKey: BaseIndexEntry]? {
        newestIndex.flatMap { $0.archive == archive ? $0.entries : nil }
    }
}
