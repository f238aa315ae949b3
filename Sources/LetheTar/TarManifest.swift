import Foundation

/// The last entry of every Lethe archive, `lethe-manifest.json`: what the packer wrote, so a
/// restore can check it extracted exactly that.
///
/// Paths are the full entry paths (`data/…`, and `rows/…` in a version 2 manifest), percent-escaped bytes (see `PathBytes.escape`).
/// `unreadable` (absent unless the pack skipped unreadable paths) lists, in the same form, the
/// files and folders that were left out because they could not be read; a restore reports them
/// and does not compare them (they are not entries).
struct TarManifest: Codable, Equatable {
    static let entryName = Array("lethe-manifest.json".utf8)
    static let formatName = "lethe-manifest"
    /// A manifest larger than this is refused (about four million entries).
    static let maximumSize = 512 * 1024 * 1024
    /// The version of a manifest whose archive holds `rows/` entries (database rows).
    static let rowsVersion = 2

    /// One data entry.
    struct Entry: Codable, Equatable {
        var path: String
        var type: String
        var size: Int64
        var mode: UInt32
        var mtime: Int
        var mtimeNanos: Int
        var target: String?
    }

    var format = formatName
    /// 1 for an archive of files only; ``rowsVersion`` for one that holds database rows.
    var version = 1
    var entries: [Entry] = []
    var files = 0
    var directories = 0
    var symlinks = 0
    var bytes: Int64 = 0
    /// Paths left out because they could not be read; nil (absent) when none were.
    var unreadable: [String]?

    static let fileType = "file", directoryType = "directory", symlinkType = "symlink"

    /// Adds one entry and updates the counts.
    mutating func append(path: [UInt8], type: UInt32, size: Int64, mode: UInt32,
                         mtime: Int, mtimeNanos: Int, target: [UInt8]?) {
        let name: String
        switch type {
        case LibArchive.directory: name = Self.directoryType; directories += 1
        case LibArchive.symlink: name = Self.symlinkType; symlinks += 1
        default: name = Self.fileType; files += 1; bytes += size
        }
        entries.append(Entry(path: PathBytes.escape(path), type: name,
                             size: name == Self.fileType ? size : 0, mode: mode & 0o7777,
                             mtime: mtime, mtimeNanos: mtimeNanos,
                             target: target.map(PathBytes.escape)))
    }

    /// Lists a path (`data/…`) that was left out because it could not be read.
    mutating func appendUnreadable(path: [UInt8]) {
        unreadable = (unreadable ?? []) + [PathBytes.escape(path)]
    }

    /// The unreadable paths as a person reads them: relative to the customer's folder, escaped.
    var unreadablePaths: [String] {
        let prefix = String(decoding: TarPacker.dataPrefix, as: UTF8.self)
        return (unreadable ?? []).map { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 }
    }

    /// The JSON bytes, keys sorted, so the same tree gives the same manifest: byte for byte what
    /// `JSONEncoder` with `.sortedKeys` and `.withoutEscapingSlashes` writes (a test holds them
    /// equal), written directly because the encoder cost a backup 3 % of its time.
    func encoded() -> Data {
        var out = [UInt8]()
        out.reserveCapacity(64 + entries.count * 96)
        func raw(_ text: String) { out.append(contentsOf: text.utf8) }
        func string(_ text: String) {
            out.append(UInt8(ascii: "\""))
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "\""): raw("\\\"")
                case UInt8(ascii: "\\"): raw("\\\\")
                case 0x08: raw("\\b")
                case 0x0C: raw("\\f")
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                case ..<0x20:
                    raw("\\u00")
                    out.append(Self.hexDigits[Int(byte >> 4)])
                    out.append(Self.hexDigits[Int(byte & 0xF)])
                default: out.append(byte)
                }
            }
            out.append(UInt8(ascii: "\""))
        }
        raw("{\"bytes\":\(bytes),\"directories\":\(directories),\"entries\":[")
        for (index, entry) in entries.enumerated() {
            if index > 0 { raw(",") }
            raw("{\"mode\":\(entry.mode),\"mtime\":\(entry.mtime),\"mtimeNanos\":\(entry.mtimeNanos),\"path\":")
            string(entry.path)
            raw(",\"size\":\(entry.size),")
            if let target = entry.target {
                raw("\"target\":")
                string(target)
                raw(",")
            }
            raw("\"type\":")
            string(entry.type)
            raw("}")
        }
        raw("],\"files\":\(files),\"format\":")
        string(format)
        raw(",\"symlinks\":\(symlinks),")
        if let unreadable {
            raw("\"unreadable\":[")
            for (index, path) in unreadable.enumerated() {
                if index > 0 { raw(",") }
                string(path)
            }
            raw("],")
        }
        raw("\"version\":\(version)}")
        return Data(out)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Parses a manifest.
    static func decode(_ data: Data) throws -> TarManifest {
        let manifest: TarManifest
        do {
            manifest = try JSONDecoder().decode(TarManifest.self, from: data)
        } catch {
            throw TarError.manifestMismatch("the manifest is not valid JSON of the expected shape")
        }
        guard manifest.format == formatName, [1, rowsVersion].contains(manifest.version) else {
            throw TarError.manifestMismatch("the manifest has an unknown format or version")
        }
        return manifest
    }

    /// Throws `manifestMismatch` describing the first difference between what the archive
    /// declares (`self`) and what was extracted.
    func check(extracted: TarManifest) throws {
        if entries.count != extracted.entries.count {
            throw TarError.manifestMismatch(
                "the manifest lists \(entries.count) entries, the archive holds \(extracted.entries.count)")
        }
        for (index, (want, got)) in zip(entries, extracted.entries).enumerated() {
            guard want != got else { continue }
            let field: String
            if want.path != got.path { field = "path" }
            else if want.type != got.type { field = "type" }
            else if want.size != got.size { field = "size" }
            else if want.target != got.target { field = "symbolic link target" }
            else if want.mode != got.mode { field = "mode" }
            else { field = "modification time" }
            throw TarError.manifestMismatch("entry \(index + 1) differs in its \(field)")
        }
        if files != extracted.files || directories != extracted.directories
            || symlinks != extracted.symlinks || bytes != extracted.bytes {
            throw TarError.manifestMismatch("the manifest's totals differ from its entries")
        }
    }
}
