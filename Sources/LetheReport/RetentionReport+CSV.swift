import Foundation
import LetheCore

extension RetentionReport {
    /// The CSV header row's columns.
    public static let csvColumns = ["pseudonym", "set", "class", "location", "object_key", "created", "delete_by",
                                    "state", "bytes", "overdue_days", "unfinished_shred", "finding"]

    /// The report for spreadsheets: RFC 4180 CSV (CRLF line ends, a header row), one row per
    /// copy in the report's order.
    ///
    /// Dates are ISO 8601 UTC. `overdue_days` is empty unless the copy is overdue, then the days
    /// past its delete-by with two decimals ("0.08" is two hours), so that a copy overdue by
    /// minutes does not read as zero. `unfinished_shred` is empty unless a shred of the copy's
    /// customer is unfinished: `unrecorded` (the key is destroyed but the shred not recorded, so
    /// the copy still reads live) or `rotation_owed` (no complete KEK rotation after the shred).
    /// `finding` is empty unless `lethe verify` found the copy `missing`, `wrong_size`,
    /// `still_stored`, `damaged` or `unreadable` and no later verify found it whole.
    public func csv() -> String {
        var lines = [Self.csvColumns.map(Self.csvField).joined(separator: ",")]
        lines.reserveCapacity(copies.count + 1)
        for copy in copies {
            let fields = [copy.pseudonym.rawValue, copy.set.rawValue, copy.class.rawValue, copy.location.rawValue,
                          copy.objectKey.rawValue, Timestamp.iso(copy.created), Timestamp.iso(copy.deleteBy), copy.state.rawValue,
                          String(copy.bytes), copy.overdueSeconds.map(Self.days) ?? "", copy.unfinishedShred?.rawValue ?? "",
                          copy.finding?.rawValue ?? ""]
            lines.append(fields.map(Self.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// One field, quoted when it holds a comma, a quote, a CR or an LF (quotes doubled).
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Seconds as days with two decimals, rounded down ("1.50"); no locale involved.
    static func days(_ seconds: Int64) -> String {
        let hundredths = max(0, seconds) * 100 / 86_400
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
