import Foundation
import Testing
@testable import LethePolicy

/// The database map: the issue's example reads as written; every mistake is reported with file,
/// line and fix, all of them in one run, as `policy check` does.
struct DatabaseMapLoaderTests {
    static let example = """
        # optional: customers that have rows but no folder are backed up too
        customers: SELECT slug FROM tenants WHERE closed_at IS NULL
        tables:
          tenants: "slug = $1"
          pages:   "tenant_id = (SELECT id FROM tenants WHERE slug = $1)"
          files:   "tenant_id = (SELECT id FROM tenants WHERE slug = $1)"
        """

    /// Parses text that must be invalid and returns its problems as `line: kind`.
    func problems(_ text: String) -> [String] {
        do {
            _ = try DatabaseMapLoader.parse(text, file: "map.yaml")
            Issue.record("expected problems, got a map")
            return []
        } catch let error as PolicyError {
            return error.problems.map { "\($0.line.map(String.init) ?? "-"): \($0.kind.rawValue)" }
        } catch {
            Issue.record("unexpected error \(error)")
            return []
        }
    }

    @Test func theIssuesExampleReadsInFileOrder() throws {
        let map = try DatabaseMapLoader.parse(Self.example, file: "map.yaml")
        #expect(map.customersQuery == "SELECT slug FROM tenants WHERE closed_at IS NULL")
        #expect(map.customersLine == 2)
        #expect(map.tables == [
            .init(name: "tenants", condition: "slug = $1", line: 4),
            .init(name: "pages", condition: "tenant_id = (SELECT id FROM tenants WHERE slug = $1)", line: 5),
            .init(name: "files", condition: "tenant_id = (SELECT id FROM tenants WHERE slug = $1)", line: 6),
        ])
        #expect(map.sourceFile == "map.yaml")
    }

    @Test func customersIsOptionalAndATrailingSemicolonIsDropped() throws {
        #expect(try DatabaseMapLoader.parse("tables:\n  app.tenants: slug = $1\n", file: "m").customersQuery == nil)
        #expect(try DatabaseMapLoader.parse("customers: SELECT slug FROM tenants ;\ntables: {t: \"a = $1\"}\n", file: "m").customersQuery
                == "SELECT slug FROM tenants")
    }

    @Test func everyMistakeIsReportedWithItsLine() {
        let text = """
            customer: SELECT 1
            tables:
              tenants: "slug = $1"
              "bad name": "x = $1"
              pages: "tenant_id = 7"
              files: "a = $1 AND b = $2"
              comments: ""
              1st: "x = $1"
            """
        #expect(problems(text) == ["1: unknownKey", "4: badTable", "5: badCondition", "6: badCondition", "7: badCondition", "8: badTable"])
    }

    @Test func theMessagesSayWhatToDo() throws {
        let error = try #require(throws: PolicyError.self) {
            try DatabaseMapLoader.parse("customer: SELECT 1\ntables:\n  pages: \"tenant_id = 7\"\n", file: "map.yaml")
        }
        let lines = "\(error)".split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("map.yaml:1: unknown key 'customer' at the top level — did you mean 'customers'?"))
        #expect(lines[1].hasPrefix("map.yaml:3: the condition of pages does not use $1 — use $1 for the customer id"))
    }

    @Test func aDuplicateTableIsNamedAtItsSecondLine() {
        #expect(problems("tables:\n  pages: \"a = $1\"\n  files: \"b = $1\"\n  pages: \"c = $1\"\n") == ["4: duplicateKey"])
    }

    @Test func tablesMustBeThereAndHoldAtLeastOne() {
        #expect(problems("customers: SELECT 1\n") == ["1: missingKey"])
        #expect(problems("tables:\n") == ["1: wrongShape"])
        #expect(problems("tables: {}\n") == ["1: wrongShape"])
        #expect(problems("tables: [a, b]\n") == ["1: wrongShape"])
        #expect(problems("") == ["1: missingKey"])
        #expect(problems("customers: \"\"\ntables: {t: \"a = $1\"}\n") == ["1: badCustomersQuery"])
    }

    @Test func yamlMistakesNameTheMapNotAPolicy() throws {
        let error = try #require(throws: PolicyError.self) { try DatabaseMapLoader.parse("tables:\n\tpages: x\n", file: "map.yaml") }
        #expect("\(error)".hasPrefix("map.yaml:2: not valid YAML"))
        #expect("\(error)".contains("indent with spaces"))
        let twoDocuments = try #require(throws: PolicyError.self) { try DatabaseMapLoader.parse("tables: {t: \"a = $1\"}\n---\nx: 1\n", file: "m") }
        #expect("\(twoDocuments)".contains("keep one database map per file"))
    }

    @Test func anUnreadableFileIsOneProblemWithoutALine() throws {
        let error = try #require(throws: PolicyError.self) { try DatabaseMapLoader.load(path: "/nonexistent/map.yaml") }
        #expect("\(error)" == "/nonexistent/map.yaml: cannot read the database map (no such file) — check the path and that the file is readable UTF-8 text")
        #expect(error.failureClass == .usage)
    }

    @Test func tableNamesAreIdentifiers() {
        for name in ["pages", "_x", "Pages", "app.pages", "t$1", String(repeating: "a", count: 63)] {
            #expect(DatabaseMapLoader.isTableName(name), "\(name)")
        }
        for name in ["", "1st", "a b", "a.b.c", ".a", "a.", "\"q\"", "a;drop", "é", String(repeating: "a", count: 64), "$x"] {
            #expect(!DatabaseMapLoader.isTableName(name), "\(name)")
        }
    }
}
