import Foundation
import LetheCore

/// Builds an HTML page; every piece of text goes through ``escape(_:)``.
struct HTMLPage {
    private(set) var text = ""

    /// Appends markup as is (only ever literal markup and escaped text).
    mutating func raw(_ markup: String) { text += markup }

    /// Appends a table with `header`, its rows added by `rows`.
    mutating func table(_ header: [String], rows: (inout HTMLPage) -> Void) {
        raw("<table>\n<thead><tr>" + header.map { "<th>\(Self.escape($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n")
        rows(&self)
        raw("</tbody>\n</table>\n")
    }

    /// Appends one row of cells (already markup), with an optional class.
    mutating func row(_ cells: [String], class name: String? = nil) {
        raw((name.map { "<tr class=\"\($0)\">" } ?? "<tr>") + cells.map { "<td>\($0)</td>" }.joined() + "</tr>\n")
    }

    /// Text made safe for element content and quoted attribute values.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }

    /// Escaped text in a `<code>` element.
    static func code(_ text: String) -> String { "<code>\(escape(text))</code>" }

    /// A date as a `<time>` element showing UTC.
    static func time(_ date: Date) -> String {
        "<time datetime=\"\(Timestamp.iso(date))\">\(escape(RetentionReport.display(date)))</time>"
    }
}
