import Foundation

/// The formats `lethe report` writes.
public enum ReportFormat: String, Sendable, Codable, CaseIterable {
    /// One self-contained HTML page, for people.
    case html
    /// The whole model, for tools.
    case json
    /// One row per copy, for spreadsheets.
    case csv
}

extension RetentionReport {
    /// The report in `format`.
    public func rendered(as format: ReportFormat) -> String {
        switch format {
        case .html: return html()
        case .json: return json()
        case .csv: return csv()
        }
    }
}
