import Foundation

extension LetheJSON {
    /// A flat map of texts as one line of JSON, keys sorted by their bytes, slashes unescaped:
    /// byte for byte what `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]` writes for
    /// it, without an encoder; or nil when a key is not ASCII or a text needs an escape (`"`,
    /// `\\`, a control character), whose spelling is left to the encoder.
    ///
    /// For what is written once per item of a large run: the ledger's canonical details
    /// (`LedgerEvent`) and JSON log lines (`LetheLogHandler`). Pseudonyms, set ids, object keys,
    /// sizes and event names never need an escape.
    public static func plainObject(_ fields: [String: String]) -> String? {
        func plain(_ text: String, asciiOnly: Bool) -> Bool {
            text.utf8.allSatisfy { $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") && (!asciiOnly || $0 < 0x80) }
        }
        var text = "{"
        // ASCII keys: byte order, which is the encoder's order, is also `String`'s order.
        for (position, key) in fields.keys.sorted().enumerated() {
            let value = fields[key]!
            guard plain(key, asciiOnly: true), plain(value, asciiOnly: false) else { return nil }
            if position > 0 { text += "," }
            text += "\"\(key)\":\"\(value)\""
        }
        return text + "}"
    }
}
