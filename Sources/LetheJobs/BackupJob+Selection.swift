import Foundation
import LetheCatalog
import LetheCore

extension BackupJob {
    /// Which names of the source root a run backs up, and which it refuses.
    struct Selection {
        /// To back up: each reaches a folder of its own.
        var customers: [CustomerID]
        /// Asked for (or found) but refused: they alias another name (`aliases`).
        var refused: [CustomerID]
        /// The alias groups holding a refused name, every name of each group included.
        var aliases: [SourceAlias]
        /// Customers the database map's `customers` query lists that have no folder: their
        /// archive holds rows only.
        var rowsOnly: Set<CustomerID> = []
    }

    /// The customers to back up: the folders under the source root (`SourceRoot`), or the named
    /// ones (a name given twice is backed up once). Aliases are found against the whole root, so naming one of two names that reach
    /// one folder still refuses it. Reports the skipped dot-folders once, as a count.
    ///
    /// - Throws: `invalidRequest` for a named customer that can never be one (a dot-name,
    ///   `lost+found`); `unknownCustomer` for a named customer with no folder (nor listed by
    ///   the database map's customers query).
    ///
    /// - Parameter listed: the ids of the database map's `customers` query: those without a
    ///   folder (and not refused as aliases) are customers too, with rows only.
    func selectCustomers(_ only: [CustomerID]?, listed: [CustomerID] = []) throws -> Selection {
        let only = only?.distinct()
        if let only, !only.allSatisfy(SourceRoot.isCustomerName) {
            throw JobError.invalidRequest("a folder whose name starts with a dot, or lost+found, is never a customer: every backup skips it; check the --customer value (nothing was backed up)")
        }
        let listing = try SourceRoot(home.sourceURL).list()
        if listing.skipped > 0 {
            home.log.warning("source.skipped", ["skipped": String(listing.skipped),
                                                "reason": "folders whose names start with a dot, and lost+found, are never customers"])
        }
        let aliased = Set(listing.aliases.flatMap(\.names))
        let folders = Set(listing.customers)
        let rowsOnly = listed.filter { !folders.contains($0) && !aliased.contains($0) }
        guard let only else {
            return Selection(customers: listing.customers + rowsOnly, refused: listing.aliases.flatMap(\.names), aliases: listing.aliases,
                             rowsOnly: Set(rowsOnly))
        }
        let present = folders.union(rowsOnly)
        guard only.allSatisfy({ present.contains($0) || aliased.contains($0) }) else { throw JobError.unknownCustomer }
        let asked = Set(only)
        return Selection(customers: only.filter(present.contains), refused: only.filter(aliased.contains),
                         aliases: listing.aliases.filter { $0.names.contains(where: asked.contains) },
                         rowsOnly: Set(rowsOnly).intersection(asked))
    }

    /// The outcomes of the refused names, each logged with its pseudonym (when it has one: a
    /// refusal creates no key), and one ledger event per alias group.
    func refuse(_ selection: Selection, set: SetID, now: Date) throws -> [CustomerOutcome] {
        let refused = Set(selection.refused)
        var outcomes: [CustomerOutcome] = []
        for alias in selection.aliases {
            var pseudonyms: [Pseudonym] = []
            for name in alias.names where refused.contains(name) {
                // A shredded customer has no pseudonym left to name.
                let pseudonym = (try? home.keys.keys(for: name))??.pseudonym
                if let pseudonym { pseudonyms.append(pseudonym) }
                home.log.error("backup.customer.aliased", ["pseudonym": pseudonym?.rawValue ?? "-", "names": String(alias.names.count)])
                outcomes.append(CustomerOutcome(pseudonym: pseudonym, status: .failed, bytes: 0, entries: 0,
                                                message: Self.refusal(names: alias.names.count), warnings: []))
            }
            try home.catalog.record(LedgerEvent(LedgerEvent.BackupAliasRefused(set: set, names: alias.names.count, pseudonyms: pseudonyms),
                                                at: now))
        }
        return outcomes
    }

    /// Why a refused name was not backed up, without the names (they are on the terminal).
    static func refusal(names: Int) -> String {
        names == 1
            ? "its entry reaches the source root itself, a folder holding it, or a folder inside it that is no customer's: not backed up; remove it (the name is shown on the terminal)"
            : "its folder is reachable under \(names) names of the source root (a link or bind mount): not backed up, so that no customer is stored under two keys; remove all but one name (the names are shown on the terminal)"
    }
}
