import Foundation
import LetheCore
import LethePostgres
import LetheTestSupport
import Testing
@testable import LetheJobs

/// `RestoreJob.streamRows`: a customer's rows handed to a loader table by table, in foreign-key
/// order, byte-equal to what PostgreSQL's `COPY … CSV HEADER` wrote at backup; against the
/// PostgreSQL test cluster (scripts/pg-test-server.sh).
@Suite struct RowsStreamTests {
    /// Records what it is handed.
    final class RecordingLoader: RowsSink {
        var events: [String] = []
        var bytes: [String: [UInt8]] = [:]
        var current = ""
        func begin(_ schemas: TableSchemas) throws { events.append("begin " + schemas.tables.map(\.name).joined(separator: ",")) }
        func startTable(_ table: TableSchema) throws { (current, bytes[table.name]) = (table.name, []); events.append("start " + table.name) }
        func write(_ chunk: UnsafeRawBufferPointer) throws { bytes[current, default: []].append(contentsOf: chunk) }
        func endTable(_ table: TableSchema) throws { events.append("end " + table.name) }
    }

    static func database() throws -> TemporaryDatabase {
        guard TemporaryDatabase.serverURL != nil else {
            if ProcessInfo.processInfo.environment["CI"] != nil { Issue.record(Comment(rawValue: TemporaryDatabase.missingInCI)) }
            try Test.cancel(Comment(rawValue: TemporaryDatabase.skipMessage))
        }
        return try TemporaryDatabase()
    }

    @Test func aCustomersRowsStreamTableByTableInForeignKeyOrder() throws {
        let database = try Self.database()
        try database.run("CREATE TABLE tenants (id serial PRIMARY KEY, slug text NOT NULL)",
                         "CREATE TABLE pages (id serial PRIMARY KEY, tenant_id int REFERENCES tenants, body text)",
                         "INSERT INTO tenants (slug) VALUES ('acme'), ('beta')",
                         "INSERT INTO pages (tenant_id, body) VALUES (1, 'one'), (2, 'other'), (1, E'two\\nlines')")
        let fixture = try JobFixture(customers: ["acme": ["a.txt": [1]]], database: { root in
            let map = root.appendingPathComponent("map.yaml")
            try Data("tables:\n  pages: \"tenant_id = (SELECT id FROM tenants WHERE slug = $1)\"\n  tenants: \"slug = $1\"\n".utf8).write(to: map)
            return .init(url: database.url, map: map)
        })
        let outcome = try BackupJob(home: fixture.home()).run()
        #expect(outcome.customers.map(\.status) == [.committed])

        let loader = RecordingLoader()
        let streamed = try RestoreJob(home: fixture.home()).streamRows(customer: CustomerID("acme")!, set: nil, from: nil, into: loader)
        #expect(streamed.tables == ["tenants", "pages"])
        #expect(loader.events == ["begin tenants,pages", "start tenants", "end tenants", "start pages", "end pages"])
        #expect(String(decoding: loader.bytes["tenants"] ?? [], as: UTF8.self) == "id,slug\n1,acme\n")
        #expect(String(decoding: loader.bytes["pages"] ?? [], as: UTF8.self) == "id,tenant_id,body\n1,1,one\n3,1,\"two\nlines\"\n")
    }

    @Test func aCopyWithoutRowsIsNotFound() throws {
        let fixture = try JobFixture(customers: ["acme": ["a.txt": [1]]])
        _ = try BackupJob(home: fixture.home()).run()
        let loader = RecordingLoader()
        #expect(throws: JobError.self) {
            try RestoreJob(home: fixture.home()).streamRows(customer: CustomerID("acme")!, set: nil, from: nil, into: loader)
        }
        #expect(loader.events.isEmpty)
    }
}

/// How a condition's `$1` becomes the customer's literal.
@Suite struct ConditionSubstitutionTests {
    @Test func onlyDollarOneIsReplacedNeverDollarTen() {
        #expect(CustomerRows.substitute("a = $1 AND b = $10 AND c = $1::int AND d = $11", literal: "('x'::text)")
            == "a = ('x'::text) AND b = $10 AND c = ('x'::text)::int AND d = $11")
        #expect(CustomerRows.substitute("slug = $1", literal: "L") == "slug = L")
        #expect(CustomerRows.substitute("$1$1", literal: "L") == "LL")
    }
}
