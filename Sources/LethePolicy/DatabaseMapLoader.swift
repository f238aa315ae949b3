import Foundation
internal import Yams

/// Reads and validates database maps (the format is described on ``DatabaseMap``), collecting
/// every problem with its file and line before throwing, as ``PolicyLoader`` does.
public enum DatabaseMapLoader {
    /// Reads and validates the map at `path`.
    ///
    /// - Throws: ``PolicyError/invalid(_:)`` (usage) with every problem found, including a file
    ///   that cannot be read.
    public static func load(path: String) throws -> DatabaseMap {
        var isFolder: ObjCBool = false
        let reason: String?
        var text: String?
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            reason = "it is a folder, not a database map"
        } else if let data = FileManager.default.contents(atPath: path) {
            text = String(data: data, encoding: .utf8)
            reason = text == nil ? "not UTF-8 text" : nil
        } else {
            reason = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
        }
        guard let text else {
            throw PolicyError.invalid([PolicyProblem(kind: .unreadable, file: path, line: nil,
                                                     message: "cannot read the database map (\(reason ?? "unreadable"))",
                                                     fix: "check the path and that the file is readable UTF-8 text")])
        }
        return try parse(text, file: path)
    }

    /// Validates map text; `file` names it in problems and becomes ``DatabaseMap/sourceFile``.
    ///
    /// - Throws: ``PolicyError/invalid(_:)`` with every problem found, in line order.
    public static func parse(_ text: String, file: String) throws -> DatabaseMap {
        var reader = DatabaseMapReader(file: file)
        let map = reader.read(text)
        guard reader.problems.isEmpty, let map else {
            throw PolicyError.invalid(reader.problems.enumerated().sorted {
                ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset)
            }.map(\.element))
        }
        return map
    }

    /// True when `name` is an unquoted SQL identifier or `schema.identifier` (letters, digits,
    /// `_` and `$`, not starting with a digit or `$`, at most 63 bytes each).
    public static func isTableName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return (1...2).contains(parts.count) && parts.allSatisfy { part in
            guard let first = part.unicodeScalars.first, part.utf8.count <= 63,
                  first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
            return part.unicodeScalars.allSatisfy { $0 == "_" || $0 == "$" || ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) }
        }
    }
}

/// The validating walk over a map's YAML tree.
struct DatabaseMapReader: YAMLProblemReporting {
    static let topLevelKeys = ["customers", "tables"]
    static let example = "  pages: \"tenant_id = (SELECT id FROM tenants WHERE slug = $1)\""

    let file: String
    let document = YAMLDocumentKind(noun: "database map", example: "the README's \"The database map\"")
    var problems: [PolicyProblem] = []

    init(file: String) { self.file = file }

    mutating func read(_ text: String) -> DatabaseMap? {
        let (root, valid) = compose(text)
        guard valid else { return nil }
        guard let root, let mapping = root.mapping else {
            problem(.missingKey, root.flatMap(line) ?? 1, "the database map is not a mapping with 'tables'",
                    "write `tables:` and under it one line per table, e.g.\n\(Self.example)")
            return nil
        }
        var customers: (query: String, line: Int?)?
        var tables: [DatabaseMap.Table]?
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string, Self.topLevelKeys.contains(key) else {
                unknownKey(keyNode, valid: Self.topLevelKeys, where: "at the top level")
                continue
            }
            if key == "customers" {
                guard let query = value.scalar?.string, !query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                    problem(.badCustomersQuery, line(value), "customers is not a query",
                            "write one SELECT returning the customer ids as its only column, e.g. `customers: SELECT slug FROM tenants`, or remove customers")
                    continue
                }
                // A trailing `;` is habit from psql; the query is used as a subquery.
                var trimmed = query.trimmingCharacters(in: .whitespacesAndNewlines)
                while trimmed.hasSuffix(";") { trimmed = String(trimmed.dropLast()).trimmingCharacters(in: .whitespacesAndNewlines) }
                customers = (trimmed, line(value))
            } else {
                tables = readTables(value, keyLine: line(keyNode))
            }
        }
        if tables == nil && !mapping.keys.contains(where: { $0.scalar?.string == "tables" }) {
            problem(.missingKey, line(root), "the database map has no 'tables'",
                    "add `tables:` and under it one line per table, e.g.\n\(Self.example)")
        }
        guard problems.isEmpty, let tables else { return nil }
        return DatabaseMap(customersQuery: customers?.query, customersLine: customers?.line, tables: tables, sourceFile: file)
    }

    /// Reads `tables`: name → condition, each checked.
    mutating func readTables(_ node: Node, keyLine: Int?) -> [DatabaseMap.Table]? {
        guard let mapping = node.mapping, mapping.count > 0 else {
            problem(.wrongShape, keyLine, node.mapping == nil && node.scalar?.string.isEmpty != true
                        ? "tables is not a mapping of table names to conditions" : "tables is empty",
                    "write one line per table under `tables:`, e.g.\n\(Self.example)")
            return nil
        }
        var tables: [DatabaseMap.Table] = []
        for (keyNode, value) in mapping {
            let name = keyNode.scalar?.string ?? ""
            let tableLine = line(keyNode) ?? keyLine ?? 1
            guard DatabaseMapLoader.isTableName(name) else {
                problem(.badTable, tableLine, "'\(name)' is not a table name",
                        "write the table as an unquoted SQL identifier (letters, digits, _; e.g. pages) or schema.table")
                continue
            }
            guard let condition = value.scalar?.string, !condition.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                problem(.badCondition, tableLine, "the table \(name) has no condition",
                        "write the SQL condition selecting one customer's rows, with $1 for the customer id, e.g. `\(name): \"tenant_id = $1\"`")
                continue
            }
            let parameters = Set(condition.matches(of: /\$([0-9]+)/).map { String($0.output.1) })
            if !parameters.contains("1") {
                problem(.badCondition, tableLine, "the condition of \(name) does not use $1",
                        "use $1 for the customer id, e.g. `\(name): \"tenant_id = (SELECT id FROM tenants WHERE slug = $1)\"`: without it every customer would get the same rows")
                continue
            }
            if let other = parameters.subtracting(["1"]).sorted().first {
                problem(.badCondition, tableLine, "the condition of \(name) uses $\(other)",
                        "use only $1 (the customer id); compute anything else inside the condition")
                continue
            }
            tables.append(DatabaseMap.Table(name: name, condition: condition, line: tableLine))
        }
        return tables
    }
}
