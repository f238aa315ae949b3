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
        for warning in source.warnings { home.log.warning("database.map", ["table": warning.table, "reason": warning.message]) }
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
    /// With `base`, the folder's unchanged files are taken from it (a differential).
    func pack(_ customer: CustomerID, rows: RowsPlan?, against base: PackBase?, into writer: any ByteSink) throws -> PackReport {
        let folder = SourceRoot(home.sourceURL).folder(of: customer)
        guard let rows else { return try TarPacker.pack(folderPath: folder, into: writer, skipUnreadable: skipUnreadable, against: base) }
        guard let id = String(validating: customer.bytes, as: UTF8.self) else {
            var report = try TarPacker.pack(folderPath: folder, into: writer, skipUnreadable: skipUnreadable, against: base)
            report.warnings.append("the customer's id is not UTF-8 text, which PostgreSQL cannot compare: no rows were backed up; rename the folder to UTF-8")
            return report
        }
        let snapshot = CustomerRows(map: rows.source.map, id: id)
        return try TarPacker.pack(folderPath: rows.rowsOnly.contains(customer) ? nil : folder, rows: { output in
            try rows.source.withConnection { try snapshot.write(on: $0, into: output) }
        }, into: writer, skipUnreadable: skipUnreadable, against: base)
    }

    /// Why a shredded customer found in this run was not backed up, and what to delete: their
    /// folder, the rows the database still holds of them (naming the tables), or both (files
    /// first, then the rows that point at them, so no file is left without an owner).
    func shreddedMessage(_ customer: CustomerID, on date: Date, request: String, rows: RowsPlan?) -> String {
        let head = "customer was shredded on \(Timestamp.iso(date)) (request \(request)) but their "
        let folder = "folder is still in the source tree"
        let hasFolder = rows.map { !$0.rowsOnly.contains(customer) } ?? true
        var tables: [String] = []
        if let rows, let id = String(validating: customer.bytes, as: UTF8.self) {
            let lookup = CustomerRows(map: rows.source.map, id: id)
            tables = (try? rows.source.withConnection { try lookup.tablesHoldingRows(on: $0) }) ?? []
        }
        guard !tables.isEmpty else {
            return hasFolder ? head + folder + ": it was not backed up; remove the folder"
                             : head + "id is still listed by the database map's customers query: it was not backed up; delete their rows"
        }
        let held = "rows are still in the database (tables \(tables.joined(separator: ", ")))"
        return hasFolder ? head + folder + " and their " + held + ": nothing was backed up; delete the files first, then the rows"
                         : head + held + ": nothing was backed up; delete the rows"
    }
}
