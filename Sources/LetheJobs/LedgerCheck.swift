import Foundation
import LetheCatalog
import LetheCore

/// `lethe verify --ledger`: recomputes the ledger's hash chain and records the result in it.
public struct LedgerCheck: Sendable {
    let home: Home

    /// A ledger check on `home`.
    public init(home: Home) { self.home = home }

    /// Recomputes every event's hash and link, then appends a `ledger.verified` event with the
    /// result (verification results are decisions too: DESIGN.md invariant 10).
    ///
    /// - Returns: the verification; ``LedgerVerification/isIntact`` is false and
    ///   ``LedgerVerification/firstBrokenSequence`` points at the first event that does not fit
    ///   when an event was edited, deleted or reordered.
    /// - Throws: catalog errors if the catalog cannot be read or written.
    public func run() throws -> LedgerVerification {
        let result = try home.catalog.verifyLedger()
        let verified = LedgerEvent.LedgerVerified(events: result.events, intact: result.isIntact, firstBroken: result.firstBrokenSequence)
        try home.catalog.record(LedgerEvent(verified, at: home.clock.now()))
        let details = verified.details
        if result.isIntact {
            home.log.info("ledger.verified", details)
        } else {
            home.log.error("ledger.broken", details.merging(["problem": result.problem ?? ""]) { $1 })
        }
        return result
    }
}
