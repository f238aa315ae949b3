/// Counts and lists in English, for what people read (never `--json`, which keeps numbers).
public enum Wording {
    /// The count and the noun in the right number: "1 copy", "2 copies", "0 copies".
    ///
    /// - Parameters:
    ///   - count: how many.
    ///   - one: the words after a count of one ("copy", "copy is").
    ///   - many: the words after any other count ("copies", "copies are").
    public static func count<N: BinaryInteger>(_ count: N, _ one: String, _ many: String) -> String {
        "\(count) \(count == 1 ? one : many)"
    }

    /// A noun before a list of numbers, in the right number: "epoch 2", "epochs 1,2".
    public static func list(_ one: String, _ many: String, _ items: [Int]) -> String {
        "\(items.count == 1 ? one : many) \(items.map(String.init).joined(separator: ","))"
    }

    /// Words as alternatives: "weekly", "monthly or yearly", "weekly, monthly or yearly".
    public static func alternatives(_ words: [String]) -> String {
        guard let last = words.last else { return "" }
        return words.count == 1 ? last : words.dropLast().joined(separator: ", ") + " or " + last
    }
}
