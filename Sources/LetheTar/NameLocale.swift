#if canImport(Glibc)
import Glibc
#endif

/// The `LC_CTYPE` locale libarchive calls run under, which decides what it does to names.
///
/// libarchive converts names between an archive's character set and the *current* locale's
/// (`nl_langinfo(CODESET)`, fixed per handle at its first conversion). Under a UTF-8 locale,
/// libarchive 3.6.2 also normalises UTF-8 pax names to NFC when it **reads** them: a file named
/// `e` + U+0301 came back as `é`, and a restore failed its manifest check. Names are bytes in
/// Lethe (invalid UTF-8, NFC and NFD twins side by side), so:
///
/// - Lethe's pax streams and tar exports are written with the pax option `hdrcharset=BINARY`:
///   names are stored as they are, with no conversion in any locale.
/// - Every archive is read under "C" (`.bytes`): names marked binary come back as stored, and
///   UTF-8 names of archives written before (no `hdrcharset`) cannot be converted to ASCII, so
///   libarchive keeps the stored bytes and warns (`LibArchiveReader.nextHeader` accepts exactly
///   that warning).
/// - The zip exporter writes under "C.UTF-8" (`.utf8`): zip names must be UTF-8 and flagged so;
///   they are made valid UTF-8 first, and converting to UTF-8 on write never normalises.
///
/// The locale is set for the calling thread only (`uselocale`), around each libarchive call,
/// and put back after; the process locale (`setlocale`) is never changed, so concurrent
/// threads, Foundation and the CLI keep whatever locale they run under (the C default: the
/// program never calls `setlocale`).
enum NameLocale {
    /// "C": names are bytes, never converted or normalised.
    case bytes
    /// "C.UTF-8": for writers whose format requires UTF-8 names (zip).
    case utf8

    // Made once and never freed or changed: a locale object may be used by any number of
    // threads at once (each installs it for itself with `uselocale`).
    nonisolated(unsafe) private static let c = newlocale(1 << LC_CTYPE, "C", nil)
    nonisolated(unsafe) private static let cUTF8 = newlocale(1 << LC_CTYPE, "C.UTF-8", nil)

    /// Runs `body` with this locale as the calling thread's `LC_CTYPE`, then restores the previous one.
    ///
    /// - Throws: `TarError.libarchive` if the system lacks the locale (C.UTF-8 is built into glibc 2.35 and later).
    func run<R>(_ body: () throws -> R) throws -> R {
        guard let locale = self == .bytes ? Self.c : Self.cUTF8 else {
            throw TarError.libarchive("the \(self == .bytes ? "C" : "C.UTF-8") locale is not available on this system")
        }
        let previous = uselocale(locale)
        defer { uselocale(previous) }
        return try body()
    }
}
