/// File names that break tools which treat names as text: kept as a fixed corpus so every
/// round-trip test (and the random trees) sees them.
public enum NastyNames {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// `é` decomposed (`e` + U+0301) and precomposed (U+00E9), as bytes.
    public static let nfdE: [UInt8] = [0x65, 0xcc, 0x81]
    public static let nfcE: [UInt8] = [0xc3, 0xa9]

    /// Each name is a valid single Linux file name: 1 to 255 bytes, no `/`, no NUL, not `.` or `..`.
    public static let corpus: [[UInt8]] = [
        // NFC / NFD twins (each pair side by side in one folder).
        nfdE, nfcE,
        bytes("Cafe") + [0xcc, 0x81], bytes("Caf") + nfcE,
        bytes("A") + [0xcc, 0x8a] + bytes("ngstr") + [0xc3, 0xb6] + bytes("m"), [0xc3, 0x85] + bytes("ngstr") + [0xc3, 0xb6] + bytes("m"),
        [0xe1, 0x84, 0x92, 0xe1, 0x85, 0xa1, 0xe1, 0x86, 0xab], [0xed, 0x95, 0x9c], // Hangul 한, conjoining jamo and precomposed
        [0xe2, 0x84, 0xab], // U+212B ANGSTROM SIGN, which NFC maps to U+00C5
        bytes("ﬁ ligature"), [0xe2, 0x84, 0xa6] + bytes(" ohm sign"), [0xce, 0xa9] + bytes(" ohm sign"), // U+2126 vs U+03A9
        // Not UTF-8.
        [0xff], [0xfe, 0xff], [0x80], [0xc3], [0xe9] + bytes(".latin1"), [0xc0, 0xaf], [0xed, 0xa0, 0x80],
        [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], bytes("ok") + [0xc3, 0x28] + bytes("bad"),
        // Control characters, escapes, blanks.
        bytes("line\nbreak"), bytes("carriage\rreturn"), bytes("\t"), bytes("\u{1b}[31mred\u{1b}[0m"),
        [0x7f], [0x01, 0x02, 0x03], bytes(" "), bytes(" leading and trailing "), bytes("back\\slash"),
        // Look like escapes or special names.
        bytes("%2F"), bytes("%25"), bytes("%"), bytes("%%"), bytes("%zz"), bytes("a%2Fb%2e%2e"), bytes("%00"),
        bytes("..."), bytes(".hidden"), bytes("-rf"), bytes("~"), bytes("*?[]"), bytes("\"quoted'"),
        bytes("lethe-manifest.json"), bytes("data"), bytes("PaxHeader"), bytes("@LongLink"),
        // Long: exactly 255 bytes, ASCII, UTF-8 (85 × €) and invalid UTF-8.
        [UInt8](repeating: 0x61, count: 255),
        Array(String(repeating: "€", count: 85).utf8),
        [UInt8](repeating: 0xff, count: 255),
        bytes("emoji 🎉 ") + [0xf0, 0x9f, 0x91, 0xa9, 0xe2, 0x80, 0x8d, 0xf0, 0x9f, 0x92, 0xbb],
    ]
}
