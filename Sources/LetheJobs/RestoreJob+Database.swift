import Foundation
import LetheCore
import LethePostgres

/// What `restore --into-database` wrote (`--json`).
public struct RowsLoadOutcome: Encodable, Sendable {
    /// Whose copy was read.
    public var pseudonym: Pseudonym
    /// The set it was read from.
    public var set: SetID
    /// Where the copy read is stored.
    public var location: Location
    /// The database written to, `user@host:port/database`.
    public var database: String
    /// The tables written, in the order written (foreign-key order: parents first).
    public var tables: [RowsLoader.TableRows]
}

extension RestoreJob {
    /// Loads `customer`'s rows from one copy (as ``run(customer:set:from:to:)`` finds it) into the
    /// database at `url`, in one transaction: the archive is read once, each table's CSV streamed
    /// with `COPY FROM` (``RowsLoader``), and the transaction commits only after the whole copy
    /// was authenticated, its manifest checked, and the customer found not shredded meanwhile.
    /// Rows whose primary key is already in the database refuse the whole load: nothing is
    /// written.
    ///
    /// - Parameters:
    ///   - tables: the tables to load (`--table`); empty for every table the archive holds.
    ///   - passwordFile: a file holding the database password, else PGPASSWORD or ~/.pgpass.
    /// - Throws: as ``streamRows(customer:set:from:into:)``; `PostgresError` for the database
    ///   (unreachable, a missing table or column, rows already there, a row refused).
    public func loadRows(customer: CustomerID, set: SetID?, from: Location?, into url: String, passwordFile: String?,
                         tables: [String]) throws -> RowsLoadOutcome {
        let connection = try PostgresConnection.open(url: url, passwordFile: passwordFile, readOnly: false)
        let loader = RowsLoader(connection: connection)
        do {
            let streamed = try streamRows(customer: customer, set: set, from: from, into: LoaderSink(loader: loader, only: tables))
            let result = try loader.commit()
            home.log.info("restore.rows_loaded", ["pseudonym": streamed.pseudonym.rawValue, "set": streamed.set.rawValue,
                                                  "rows": String(result.rows)])
            return RowsLoadOutcome(pseudonym: streamed.pseudonym, set: streamed.set, location: streamed.location, database: connection.server,
                                   tables: result.tables)
        } catch {
            loader.rollback()
            throw error
        }
    }
}

/// Feeds a ``RowsLoader`` from ``RestoreJob/streamRows(customer:set:from:into:)``.
private final class LoaderSink: RowsSink {
    let loader: RowsLoader
    let only: [String]

    init(loader: RowsLoader, only: [String]) { (self.loader, self.only) = (loader, only) }

    func begin(_ schemas: TableSchemas) throws { try loader.begin(schemas: schemas, only: only) }
    func startTable(_ table: TableSchema) throws { try loader.startTable(table.name) }
    func write(_ bytes: UnsafeRawBufferPointer) throws { try loader.write(bytes) }
    func endTable(_ table: TableSchema) throws { try loader.endTable() }
}
