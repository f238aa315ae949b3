/// The archive formats a customer's data can be exported in, each named by the ending of the
/// file it is written to (`--format` takes the same names).
public enum ExportFormat: String, Sendable, Codable, CaseIterable {
    /// An uncompressed POSIX tar (restricted pax: ustar headers plus a pax header per entry
    /// holding `hdrcharset=BINARY`, so bsdtar and GNU tar extract names as the exact bytes; GNU
    /// tar notes the keyword it does not know unless given `--warning=no-unknown-keyword`).
    case tar
    /// The same tar, gzip-compressed (`tar -xzf`).
    case tarGzip = "tar.gz"
    /// The same tar, zstd-compressed (`tar --zstd -xf`, or `zstd -d` then `tar -xf`).
    case tarZstd = "tar.zst"
    /// A zip archive (deflate). Zip readers require UTF-8 names, so bytes of a name that are
    /// not valid UTF-8 are written as `%XX` (in symbolic link targets too).
    case zip

    /// The ending of a file in this format: `.tar`, `.tar.gz`, `.tar.zst` or `.zip`.
    public var fileExtension: String { "." + rawValue }

    /// Whether this is a tar (compressed or not): pax, names kept as bytes.
    public var isTar: Bool { self != .zip }

    /// The format whose ending `fileName` has (compared without regard to case), or nil when it
    /// ends in none of them (`x.tgz`, `x.gz`, `x`).
    public init?(fileName: String) {
        let name = fileName.lowercased()
        guard let format = Self.allCases.first(where: { name.hasSuffix($0.fileExtension) && name.count > $0.fileExtension.count }) else {
            return nil
        }
        self = format
    }
}
