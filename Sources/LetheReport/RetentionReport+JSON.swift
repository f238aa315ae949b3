import Foundation
import LetheCore

extension RetentionReport {
    /// The report for tools: the whole model, pretty-printed, keys sorted and in snake case,
    /// dates as ISO 8601 UTC. Stable for golden files; ``decode(json:)`` reads it back.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.iso(date))
        }
        // Strings, numbers, booleans and arrays cannot fail to encode.
        return String(decoding: try! encoder.encode(self), as: UTF8.self) + "\n"
    }

    /// Reads a report written by ``json()``.
    ///
    /// - Throws: `DecodingError` if the text is not such a report.
    public static func decode(json: Data) throws -> RetentionReport {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not an ISO 8601 date")
            }
            return date
        }
        return try decoder.decode(RetentionReport.self, from: json)
    }
}
