import Foundation
import LetheCore

/// Writing results to standard output.
enum Output {
    /// Prints a value as Lethe's pretty JSON (``LetheJSON``: snake_case keys, sorted, ISO 8601 UTC dates).
    static func json<T: Encodable>(_ value: T) throws {
        print(try jsonText(value))
    }

    /// A value as Lethe's pretty JSON (what `json` prints, without the newline).
    static func jsonText<T: Encodable>(_ value: T) throws -> String {
        try LetheJSON.text(value)
    }

    /// Prints rows as aligned columns under a header.
    static func table(_ header: [String], _ rows: [[String]]) {
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        for row in [header] + rows {
            print(row.indices.map { $0 == row.count - 1 ? row[$0] : row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  "))
        }
    }
}
