import Foundation

/// Makes output comparable with a golden file: replaces what differs from run to run by stable
/// labels, numbered in order of first appearance (the same value gets the same label
/// throughout one text, so the golden still shows which things are the same).
///
/// `normalise` masks what the report and the CLI share:
/// - the temporary folder (`root`) → `/TMP`;
/// - 64 hex digits (ledger hashes, a raw KEK in hex) → `hashN`;
/// - pseudonyms (`p` + 26 base32) → `pseudonymN`;
/// - the random suffix of a set id (`20261101T020000Z-abcd`) → `sN`;
/// - archive ids (26 base32) → `archiveN`;
/// - the signing key's id (16 upper-case hex digits) → `signing-keyN`.
public enum GoldenNormaliser {
    /// `text` with the run-to-run parts above replaced, then each of `extra`'s patterns
    /// (regular expression, label prefix), in order.
    public static func normalise(_ text: String, root: URL, extra: [(pattern: String, prefix: String)] = []) -> String {
        var result = text.replacingOccurrences(of: root.path, with: "/TMP")
        result = relabel(result, pattern: "[0-9a-f]{64}", prefix: "hash")
        result = relabel(result, pattern: "\\bp[a-z2-7]{26}\\b", prefix: "pseudonym")
        result = relabel(result, pattern: "(?<=\\d{8}T\\d{6}Z-)[a-z2-7]{4}\\b", prefix: "s")
        result = relabel(result, pattern: "\\b[a-z2-7]{26}\\b", prefix: "archive")
        result = relabel(result, pattern: "\\b[0-9A-F]{16}\\b", prefix: "signing-key")
        for (pattern, prefix) in extra { result = relabel(result, pattern: pattern, prefix: prefix) }
        return result
    }

    /// Replaces each distinct match of `pattern` by `prefix` and its number of first appearance.
    public static func relabel(_ text: String, pattern: String, prefix: String) -> String {
        let regex = try! NSRegularExpression(pattern: pattern)
        let source = text as NSString
        var labels: [String: String] = [:]
        var result = ""
        var last = 0
        for match in regex.matches(in: text, range: NSRange(location: 0, length: source.length)) {
            let found = source.substring(with: match.range)
            let label = labels[found] ?? {
                let label = "\(prefix)\(labels.count + 1)"
                labels[found] = label
                return label
            }()
            result += source.substring(with: NSRange(location: last, length: match.range.location - last)) + label
            last = match.range.location + match.range.length
        }
        result += source.substring(from: last)
        return result
    }
}
