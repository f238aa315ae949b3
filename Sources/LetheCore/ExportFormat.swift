/// The archive formats a customer's data can be exported in.
public enum ExportFormat: String, Sendable, Codable, CaseIterable {
    /// An uncompressed POSIX tar (restricted pax: ustar headers plus a pax header per entry
    /// holding `hdrcharset=BINARY`, so bsdtar and GNU tar extract names as the exact bytes; GNU
    /// tar notes the keyword it does not know unless given `--warning=no-unknown-keyword`).
    case tar
    /// A zip archive (deflate). Zip readers require UTF-8 names, so bytes of a name that are
    /// not valid UTF-8 are written as `%XX` (in symbolic link targets too).
    case zip
}
