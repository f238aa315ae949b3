import Foundation

/// The ledger read as typed payloads: what every reader in the jobs uses.
extension Catalog {
    /// Every event of `Payload`'s kinds (its former kinds included), in order, decoded.
    ///
    /// - Throws: `CatalogError.invalidEvent` for the first event whose details are not what its
    ///   kind records (an integrity failure: nothing is skipped silently).
    public func events<Payload: LedgerPayload>(_ type: Payload.Type) throws -> [LedgerEvent.Recorded<Payload>] {
        try events(kinds: Payload.kinds).map { try $0.recorded(Payload.self) }
    }

    /// The latest event of `Payload`'s kinds, decoded, or nil.
    ///
    /// - Throws: `CatalogError.invalidEvent` when its details are not what its kind records.
    public func latestEvent<Payload: LedgerPayload>(_ type: Payload.Type) throws -> LedgerEvent.Recorded<Payload>? {
        try latestEvent(kinds: Payload.kinds).map { try $0.recorded(Payload.self) }
    }
}
