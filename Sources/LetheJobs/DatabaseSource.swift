import Foundation
import LetheCore
import LethePolicy
import LethePostgres

/// The PostgreSQL source of one backup run: the home's database map and a pool of read-only
/// connections, one per worker at most (libpq connections are never shared between threads).
/// A connection that broke is dropped; the next customer opens a fresh one, so a database that
/// went away fails the customers not yet done and one killed session fails only its customer.
final class DatabaseSource: @unchecked Sendable {
    let map: DatabaseMap
    private let url: PostgresURL
    private let password: String?
    private let lock = NSLock()
    private var idle: [PostgresConnection] = []

    /// What the map's proof found that the operator should look at (tables that reference a
    /// mapped table but are not mapped), for the log.
    let warnings: [DatabaseCheck.Warning]

    /// Loads the map, connects once and proves the map there as `database check` does, so an
    /// unreachable database or a map the database no longer matches (a table dropped, a
    /// condition that no longer compiles) fails the run before anything is recorded.
    ///
    /// - Throws: `PolicyError` for a map that no longer parses or that the database refuses
    ///   (each problem with the map's file and line), `PostgresError` when the database cannot
    ///   be reached or refuses the login.
    init(settings: DatabaseSettings) throws {
        map = try DatabaseMapLoader.load(path: settings.map)
        url = try PostgresURL(settings.url)
        password = try settings.passwordFile.map { try PostgresPassword.read(path: $0) }
        let connection = try Self.connect(url: url, password: password)
        warnings = try DatabaseCheck.prove(map, on: connection)
        idle = [connection]
    }

    /// The database as `user@host:port/database`.
    var server: String { url.server }

    private static func connect(url: PostgresURL, password: String?) throws -> PostgresConnection {
        let connection = try PostgresConnection(url: url, password: password)
        try connection.query("SET default_transaction_read_only = on")
        return connection
    }

    /// Runs `body` with a connection of its own; the connection goes back to the pool unless
    /// `body` lost it (or left it in a failed state).
    func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try lock.withLock { idle.popLast() } ?? Self.connect(url: url, password: password)
        do {
            let value = try body(connection)
            lock.withLock { idle.append(connection) }
            return value
        } catch {
            // Usable again only if the server answers; a connection in doubt is dropped.
            if (try? connection.query("ROLLBACK")) != nil { lock.withLock { idle.append(connection) } }
            throw error
        }
    }

    /// The ids the map's `customers` query returns (none without one), with the number of values
    /// that can never be a customer (NULL, empty, a dot-name, holding `/`).
    func listedCustomers() throws -> (customers: [CustomerID], unusable: Int) {
        guard let query = map.customersQuery else { return ([], 0) }
        let rows = try withConnection { try $0.query("SELECT * FROM (\(query)) AS lethe_customers") }
        var customers: [CustomerID] = []
        var unusable = 0
        for row in rows.rows {
            guard let text = row.first ?? nil, let id = CustomerID(text), SourceRoot.isCustomerName(id) else {
                unusable += 1
                continue
            }
            customers.append(id)
        }
        return (customers.distinct(), unusable)
    }
}
