import Foundation

/// A strict reader of the Prometheus text exposition format (0.0.4), for checking what `lethe
/// nightly --metrics-file` writes: written from the format's grammar, independently of Lethe's
/// writer, and refusing anything the grammar does not allow.
///
/// Each line ends in `\n`; blank lines are ignored; `# HELP name text` (text escapes `\\` and
/// `\n` only) and `# TYPE name type` at most once per name, TYPE before the family's first
/// sample; other `#` lines are comments. A sample is `name`, optional `{label="value",…}` (label
/// values escape `\\`, `\"` and `\n` only; a trailing comma is allowed), a space, a float (Go's
/// syntax, `NaN`, `+Inf`, `-Inf`) and an optional integer timestamp. A family's samples are
/// contiguous, no series appears twice, and no label name repeats within a sample.
struct PrometheusTextReader {
    struct Family: Equatable {
        var help: String?
        var type: String?
        var samples: [Sample] = []
    }

    struct Sample: Equatable {
        var labels: [String: String]
        var value: Double
    }

    struct Problem: Error, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    /// Families by name, and the names in order of first appearance.
    private(set) var families: [String: Family] = [:]
    private(set) var order: [String] = []

    /// Reads `text`, or throws the first line that breaks the grammar.
    init(_ text: String) throws {
        guard text.isEmpty || text.hasSuffix("\n") else { throw Problem(line: 0, message: "the last line does not end in a line feed") }
        var finished: Set<String> = []
        var current: String?
        var series: Set<String> = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().enumerated() {
            let number = index + 1
            let line = String(line)
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            if line.hasPrefix("#") {
                let words = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
                guard words.count >= 3, words[0] == "#", words[1] == "HELP" || words[1] == "TYPE" else { continue }
                let name = words[2]
                guard Self.isMetricName(name) else { throw Problem(line: number, message: "invalid metric name '\(name)'") }
                guard families[name]?.samples.isEmpty != false else { throw Problem(line: number, message: "\(words[1]) of \(name) after its samples") }
                if let open = current, open != name { finished.insert(open) }
                current = nil
                var family = families[name] ?? Family()
                if families[name] == nil { order.append(name) }
                let rest = words.count > 3 ? words[3] : ""
                if words[1] == "HELP" {
                    guard family.help == nil else { throw Problem(line: number, message: "a second HELP for \(name)") }
                    family.help = try Self.unescape(rest, quotes: false, line: number)
                } else {
                    guard family.type == nil else { throw Problem(line: number, message: "a second TYPE for \(name)") }
                    guard ["counter", "gauge", "histogram", "summary", "untyped"].contains(rest) else {
                        throw Problem(line: number, message: "unknown type '\(rest)'")
                    }
                    family.type = rest
                }
                families[name] = family
                continue
            }
            let (name, labels, value) = try Self.sample(line, line: number)
            if let open = current, open != name { finished.insert(open) }
            guard !finished.contains(name) else { throw Problem(line: number, message: "samples of \(name) are not contiguous") }
            current = name
            let key = name + "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.debugDescription)" }.joined(separator: ",") + "}"
            guard series.insert(key).inserted else { throw Problem(line: number, message: "the series \(key) appears twice") }
            if families[name] == nil { order.append(name) }
            families[name, default: Family()].samples.append(Sample(labels: labels, value: value))
        }
    }

    /// Parses one sample line.
    private static func sample(_ line: String, line number: Int) throws -> (String, [String: String], Double) {
        let scalars = Array(line.unicodeScalars)
        var i = 0
        while i < scalars.count, scalars[i] != "{", scalars[i] != " " { i += 1 }
        let name = String(String.UnicodeScalarView(scalars[0..<i]))
        guard isMetricName(name) else { throw Problem(line: number, message: "invalid metric name '\(name)'") }
        var labels: [String: String] = [:]
        if i < scalars.count, scalars[i] == "{" {
            i += 1
            while true {
                guard i < scalars.count else { throw Problem(line: number, message: "unterminated label set") }
                if scalars[i] == "}" { i += 1; break }
                let start = i
                while i < scalars.count, scalars[i] != "=" { i += 1 }
                let label = String(String.UnicodeScalarView(scalars[start..<i]))
                guard isLabelName(label) else { throw Problem(line: number, message: "invalid label name '\(label)'") }
                guard i + 1 < scalars.count, scalars[i + 1] == "\"" else { throw Problem(line: number, message: "label \(label) has no quoted value") }
                i += 2
                var raw = ""
                while true {
                    guard i < scalars.count else { throw Problem(line: number, message: "unterminated value of label \(label)") }
                    if scalars[i] == "\"" { break }
                    if scalars[i] == "\\" {
                        guard i + 1 < scalars.count else { throw Problem(line: number, message: "a lone backslash in label \(label)") }
                        raw.unicodeScalars.append(scalars[i])
                        i += 1
                    }
                    raw.unicodeScalars.append(scalars[i])
                    i += 1
                }
                i += 1
                guard labels[label] == nil else { throw Problem(line: number, message: "label \(label) twice") }
                labels[label] = try unescape(raw, quotes: true, line: number)
                guard i < scalars.count else { throw Problem(line: number, message: "unterminated label set") }
                if scalars[i] == "," { i += 1 } else if scalars[i] != "}" { throw Problem(line: number, message: "expected ',' or '}' after label \(label)") }
            }
        }
        guard i < scalars.count, scalars[i] == " " else { throw Problem(line: number, message: "no space before the value") }
        let fields = String(String.UnicodeScalarView(scalars[(i + 1)...])).split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(fields.count), let value = float(fields[0]) else {
            throw Problem(line: number, message: "not a value (and optional timestamp): '\(fields.joined(separator: " "))'")
        }
        if fields.count == 2, Int64(fields[1]) == nil { throw Problem(line: number, message: "timestamp '\(fields[1])' is not an integer") }
        return (name, labels, value)
    }

    /// A float as Go's ParseFloat takes it (decimal or exponent; `NaN`, `+Inf`, `-Inf`, `Inf`).
    static func float(_ text: String) -> Double? {
        switch text {
        case "NaN": return .nan
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default:
            guard text.range(of: "^[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?$", options: .regularExpression) != nil else { return nil }
            return Double(text)
        }
    }

    /// Undoes the escapes a HELP text (`\\`, `\n`) or a label value (also `\"`) may hold; any
    /// other escape, or a raw `"` in a label value, is refused.
    static func unescape(_ text: String, quotes: Bool, line: Int) throws -> String {
        var result = ""
        var escaping = false
        for scalar in text.unicodeScalars {
            if escaping {
                switch scalar {
                case "\\": result += "\\"
                case "n": result += "\n"
                case "\"" where quotes: result += "\""
                default: throw Problem(line: line, message: "invalid escape '\\\(scalar)'")
                }
                escaping = false
            } else if scalar == "\\" {
                escaping = true
            } else {
                if scalar == "\"" && quotes { throw Problem(line: line, message: "an unescaped quote in a label value") }
                result.unicodeScalars.append(scalar)
            }
        }
        guard !escaping else { throw Problem(line: line, message: "a trailing backslash") }
        return result
    }

    static func isMetricName(_ name: String) -> Bool { name.range(of: "^[a-zA-Z_:][a-zA-Z0-9_:]*$", options: .regularExpression) != nil }
    static func isLabelName(_ name: String) -> Bool { name.range(of: "^[a-zA-Z_][a-zA-Z0-9_]*$", options: .regularExpression) != nil }
}
