import Foundation
import LetheCatalog
import LetheCore
import LethePostgres
import LetheTar

/// What loads a customer's rows back into a database (`restore --into-database`): handed the
/// tables' definitions, then each table's CSV bytes (`COPY … CSV HEADER`, as backed up) in
/// foreign-key order. Nothing is verified until ``RestoreJob/streamRows(customer:set:from:into:)``
/// returns: commit only then, roll back if it throws.
public protocol RowsSink: AnyObject {
    /// The tables that follow, parents first.
    func begin(_ schemas: TableSchemas) throws
    /// `table`'s rows start.
    func startTable(_ table: TableSchema) throws
    /// More of the current table's CSV bytes, in order.
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// The current table's bytes are complete.
    func endTable(_ table: TableSchema) throws
}

/// Where a customer's rows were streamed from.
public struct RowsStreamOutcome: Sendable {
    /// The customer's pseudonym.
    public var pseudonym: Pseudonym
    /// The set, and where its copy was read.
    public var set: SetID
    public var location: Location
    /// The tables streamed.
    public var tables: [String]
}

extension RestoreJob {
    /// Streams `customer`'s rows from one copy (as ``run(customer:set:from:to:)`` finds it) into
    /// `loader`, table by table; the archive is authenticated and checked to its end before this
    /// returns, and the customer checked not shredded meanwhile.
    ///
    /// - Throws: `JobError.notFound` when the copy holds no rows (backed up before the home had
    ///   a database); as `run` for the copy and its reading; `loader`'s error unchanged.
    public func streamRows(customer: CustomerID, set: SetID?, from: Location?, into loader: any RowsSink) throws -> RowsStreamOutcome {
        let resolver = CopyResolver(home: home)
        let found = try resolver.copy(of: customer, set: set, from: from)
        let input = RowsAdapter(loader)
        // Falling back to the offsite copy is only safe before the loader was handed anything.
        let read = try resolver.read(found, pinned: from, canRetry: { !input.started }) { copy in
            try CopyReader(home: home).read(copy) { try TarRowsReader.read(from: $0, into: input) }
        }
        guard read.value, let schemas = input.schemas else {
            throw JobError.notFound("the copy of set \(read.copy.setID.rawValue) holds no database rows: it was backed up before the home had a database")
        }
        try home.keys.refuseShredded(customer)
        return RowsStreamOutcome(pseudonym: read.copy.pseudonym, set: read.copy.setID, location: read.copy.location,
                                 tables: schemas.tables.map(\.name))
    }
}

/// Turns the archive's `rows/` entries into a loader's calls: tables.json decoded, each table
/// named by its definition.
final class RowsAdapter: RowsInput {
    let loader: any RowsSink
    private(set) var schemas: TableSchemas?
    private var current: TableSchema?
    private(set) var started = false

    init(_ loader: any RowsSink) { self.loader = loader }

    func tables(_ description: Data) throws {
        let schemas: TableSchemas
        do {
            schemas = try LetheJSON.decoder.decode(TableSchemas.self, from: description)
        } catch {
            throw JobError.integrity("the archive's rows/tables.json is not a description of tables (\(error))")
        }
        guard schemas.version == TableSchemas.currentVersion else {
            throw JobError.integrity("the archive's rows/tables.json has version \(schemas.version); this lethe reads version \(TableSchemas.currentVersion): upgrade lethe")
        }
        self.schemas = schemas
        started = true
        try loader.begin(schemas)
    }

    func startTable(_ name: String) throws {
        guard let table = schemas?.tables.first(where: { $0.name == name }) else {
            throw JobError.integrity("the archive holds rows of a table its rows/tables.json does not describe")
        }
        current = table
        try loader.startTable(table)
    }

    func rows(_ bytes: UnsafeRawBufferPointer) throws { try loader.write(bytes) }

    func endTable() throws {
        if let current { try loader.endTable(current) }
        current = nil
    }
}
