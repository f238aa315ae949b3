/// The Prometheus text exposition format (version 0.0.4), as node_exporter's textfile collector
/// reads it: for each family a `# HELP` and a `# TYPE` line, then one line per sample,
/// `name{label="value",…} value`, each line ending in `\n`.
///
/// Escaping: in a HELP text a backslash becomes `\\` and a line feed `\n`; in a label value a
/// backslash, a double quote and a line feed become `\\`, `\"` and `\n`. Values are printed as
/// integers when they are whole (and exactly representable), else in Swift's shortest
/// round-tripping form; NaN and infinities as `NaN`, `+Inf`, `-Inf`.
public enum PrometheusText {
    /// The families as one text, in the order given.
    public static func render(_ families: [MetricFamily]) -> String {
        var text = ""
        for family in families {
            text += "# HELP \(family.name) \(escape(family.help, quote: false))\n"
            text += "# TYPE \(family.name) \(family.kind.rawValue)\n"
            for sample in family.samples {
                text += family.name
                if !sample.labels.isEmpty {
                    text += "{" + sample.labels.map { "\($0.name)=\"\(escape($0.value, quote: true))\"" }.joined(separator: ",") + "}"
                }
                text += " \(format(sample.value))\n"
            }
        }
        return text
    }

    /// `text` with backslashes and line feeds escaped, and double quotes too when `quote` (a
    /// label value; a HELP text keeps its quotes).
    static func escape(_ text: String, quote: Bool) -> String {
        var escaped = ""
        for character in text.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\"" where quote: escaped += "\\\""
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// A sample value: whole numbers without a fraction, others as Swift prints a `Double`.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 9_007_199_254_740_992 { return String(Int64(value)) }
        return "\(value)"
    }

    /// True for a valid metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    static func isMetricName(_ name: String) -> Bool { isName(name, extra: ":") }

    /// True for a valid label name: `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__` (reserved).
    static func isLabelName(_ name: String) -> Bool { isName(name, extra: "") && !name.hasPrefix("__") }

    private static func isName(_ name: String, extra: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        guard let first = scalars.first else { return false }
        func letter(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_" || extra.unicodeScalars.contains(c) }
        return letter(first) && scalars.dropFirst().allSatisfy { letter($0) || ("0"..."9").contains($0) }
    }
}
