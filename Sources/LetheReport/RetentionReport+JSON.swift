import Foundation
import LetheCore

extension RetentionReport {
    /// The report for tools: the whole model, pretty-printed, keys sorted and in snake case,
    /// dates as ISO 8601 UTC. Stable for golden files; ``decode(json:)`` reads it back.
    public func json() -> String {
        // Strings, numbers, booleans and arrays cannot fail to encode.
        try! LetheJSON.text(self) + "\n"
    }

    /// Reads a report written by ``json()``.
    ///
    /// - Throws: `DecodingError` if the text is not such a report.
    public static func decode(json: Data) throws -> RetentionReport {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = LetheJSON.dateDecodingStrategy
        return try decoder.decode(RetentionReport.self, from: json)
    }
}
