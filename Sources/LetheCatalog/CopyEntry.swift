import Foundation
import LetheCore

/// One copy a backup's batch records (``Catalog/recordCopies(_:)``): the copy row, its ledger
/// event, and, for an archive later archives may be written against, its names-free base index.
public struct CopyEntry: Sendable {
    /// The copy, durable in its store.
    public var copy: CopyRecord
    /// The event recording it (`copy.written`).
    public var event: LedgerEvent
    /// The archive's base index, recorded in the same transaction; nil for an archive no later
    /// archive is written against (a daily) or one packed without an index.
    public var baseIndex: [BaseIndexEntry]?

    /// An entry for `copy`, recorded with `event` and, if given, its archive's `baseIndex`.
    public init(copy: CopyRecord, event: LedgerEvent, baseIndex: [BaseIndexEntry]? = nil) {
        self.copy = copy
        self.event = event
        self.baseIndex = baseIndex
    }
}
