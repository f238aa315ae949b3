import Foundation
import LetheTestSupport
import Testing

/// `lethe list` through the real binary: its filters select what they name.
@Suite struct ListCommandTests {
    /// The set ids `list sets --json` prints with `arguments` added.
    static func setIDs(_ fixture: CLIFixture, _ arguments: [String] = [], input: [UInt8]? = nil) throws -> [String] {
        let result = try fixture.lethe(["list", "sets", "--json"] + arguments, input: input)
        try #require(result.status == 0, "list sets exited \(result.status): \(result.stderr)")
        let sets = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        return sets.compactMap { $0["set"] as? String }
    }

    /// `list sets --customer bob` shows only the sets holding a copy of bob (the sets
    /// `list archives --customer bob` names), in the text table too; an unknown customer exits 5.
    @Test func listSetsForACustomerShowsOnlyTheSetsHoldingACopyOfIt() throws {
        let fixture = try CLIFixture(customers: ["alice": ["a.txt": Array("alice".utf8)],
                                                 "bob": ["b.txt": Array("bob".utf8)]])
        try fixture.succeed(["backup"])
        fixture.environment["LETHE_NOW"] = "2026-11-02T00:00:00Z"
        try fixture.succeed(["backup", "--customer", "alice"])

        let all = try Self.setIDs(fixture)
        #expect(all.count == 2)
        let bobs = try Self.setIDs(fixture, ["--customer", "bob"])
        #expect(bobs == [all[0]], "sets of bob: \(bobs)")
        #expect(Set(bobs) == Set(try fixture.copies(customer: "bob").compactMap { $0["set"] as? String }))
        #expect(try Self.setIDs(fixture, ["--customer", "alice"]) == all)
        #expect(try Self.setIDs(fixture, ["--customer", "-"], input: Array("bob\n".utf8)) == [all[0]])

        let table = try fixture.succeed(["list", "sets", "--customer", "bob"])
        #expect(table.contains(all[0]))
        #expect(!table.contains(all[1]), "table: \(table)")

        let unknown = try fixture.lethe(["list", "sets", "--customer", "mallory"])
        #expect(unknown.status == 5, "list sets --customer mallory exited \(unknown.status): \(unknown.stderr)")
        #expect(unknown.stdout.isEmpty)
    }
}
