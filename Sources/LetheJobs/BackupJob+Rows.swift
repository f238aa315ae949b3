import Foundation
import LetheCore
import LetheTar

extension BackupJob {
    /// The database part of a run: the source, and the customers that have rows but no folder.
    struct RowsPlan: @unchecked Sendable {
        let source: DatabaseSource
        let rowsOnly: Set<CustomerID>
    }

    /// The home's database source, connected, or nil for a home without one.
    ///
    /// - Throws: `PostgresError` (the run fails before any set is recorded) or `PolicyError`.
    func openDatabase() throws -> DatabaseSource? {
        guard let settings = home.configuration.database else { return nil }
        let source = try DatabaseSource(settings: settings)
        home.log.info("database.connected", ["server": source.server])
        return source
    }

    /// The ids of the map's customers query, ids that can never be customers logged as a count.
    func listedCustomers(_ source: DatabaseSource?) throws -> [CustomerID] {
        guard let source else { return [] }
        let listed = try source.listedCustomers()
        if listed.unusable > 0 {
            home.log.warning("database.customers.skipped", ["skipped": String(listed.unusable),
                                                            "reason": "the customers query returned NULL, empty, dot-names or names holding '/': never customers"])
        }
        return listed.customers
    }

    /// Packs one customer into `writer`: their rows first (when the home has a database), in one
    /// short transaction, then their folder (none for a customer with rows only).
    func pack(_ customer: CustomerID, rows: RowsPlan?, into writer: any ByteSink) throws -> PackReport {
        let folder = SourceRoot(home.sourceURL).folder(of: customer)
        guard let rows else { return try TarPacker.pack(folderPath: folder, into: writer, skipUnreadable: skipUnreadable) }
        guard let id = String(validating: customer.bytes, as: UTF8.self) else {
            var report = try TarPacker.pack(folderPath: folder, into: writer, skipUnreadable: skipUnreadable)
            report.warnings.append("the customer's id is not UTF-8 text, which PostgreSQL cannot compare: no rows were backed up; rename the folder to UTF-8")
            return report
        }
        let snapshot = CustomerRows(map: rows.source.map, id: id)
        return try TarPacker.pack(folderPath: rows.rowsOnly.contains(customer) ? nil : folder, rows: { output in
            try rows.source.withConnection { try snapshot.write(on: $0, into: output) }
        }, into: writer, skipUnreadable: skipUnreadable)
    }
}
