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
    /// The version every new archive's manifest has: file entries carry `device` and `inode`, a
    /// differential's manifest names its `base` and marks unchanged files `from_base`; it may
    /// or may not hold rows.
    static let currentVersion = 3

    /// One data entry.
    struct Entry: Codable, Equatable {
        var path: String
        var type: String
        var size: Int64
        var mode: UInt32
        var mtime: Int
        var mtimeNanos: Int
        var target: String?
        /// The file's device and inode at pack time (version 3, `data/` files only).
        var device: UInt64?
        var inode: UInt64?
        /// True for an unchanged file of a differential: no tar entry, its content is the base's
        /// file of the same device and inode, of this size and modification time.
        var fromBase: Bool?

        enum CodingKeys: String, CodingKey {
            case path, type, size, mode, mtime, mtimeNanos, target, device, inode, fromBase = "from_base"
        }

        /// The fields a tar entry has (without the file's identity), for the manifest check.
        var tarFields: Entry {
            Entry(path: path, type: type, size: size, mode: mode, mtime: mtime, mtimeNanos: mtimeNanos, target: target)
        }
    }

    var format = formatName
    /// 1 for an archive of files only; ``rowsVersion`` for one that holds database rows.
    var version = currentVersion
    /// The base archive's id, for a differential (as its header's `baseArchiveID`); nil for a full archive.
    var base: String?
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
                         mtime: Int, mtimeNanos: Int, target: [UInt8]?, identity: (device: UInt64, inode: UInt64)? = nil,
                         fromBase: Bool = false) {
        let name: String
        switch type {
        case LibArchive.directory: name = Self.directoryType; directories += 1
        case LibArchive.symlink: name = Self.symlinkType; symlinks += 1
        default: name = Self.fileType; files += 1; bytes += size
        }
        entries.append(Entry(path: PathBytes.escape(path), type: name,
                             size: name == Self.fileType ? size : 0, mode: mode & 0o7777,
                             mtime: mtime, mtimeNanos: mtimeNanos,
                             target: target.map(PathBytes.escape), device: identity?.device, inode: identity?.inode,
                             fromBase: fromBase ? true : nil))
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
        raw("{")
        if let base {
            raw("\"base\":")
            string(base)
            raw(",")
        }
        raw("\"bytes\":\(bytes),\"directories\":\(directories),\"entries\":[")
        for (index, entry) in entries.enumerated() {
            if index > 0 { raw(",") }
            raw("{")
            if let device = entry.device { raw("\"device\":\(device),") }
            if let fromBase = entry.fromBase { raw("\"from_base\":\(fromBase),") }
            if let inode = entry.inode { raw("\"inode\":\(inode),") }
            raw("\"mode\":\(entry.mode),\"mtime\":\(entry.mtime),\"mtimeNanos\":\(entry.mtimeNanos),\"path\":")
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
            manifest = try ManifestJSONReader.manifest(data)
        } catch {
            throw TarError.manifestMismatch("the manifest is not valid JSON of the expected shape")
        }
        guard manifest.format == formatName, manifest.base == nil || manifest.version >= currentVersion,
              manifest.version >= currentVersion || manifest.entries.allSatisfy({ $0.device == nil && $0.inode == nil && $0.fromBase == nil }),
              manifest.entries.allSatisfy({ $0.fromBase == nil || ($0.fromBase == true && $0.type == fileType && $0.device != nil && $0.inode != nil) }),
              manifest.base != nil || manifest.entries.allSatisfy({ $0.fromBase == nil }), [1, rowsVersion, currentVersion].contains(manifest.version) else {
            throw TarError.manifestMismatch("the manifest has an unknown format or version")
        }
        return manifest
    }

    /// The entries the archive's tar holds: all but a differential's `from_base` files.
    var tarEntries: [Entry] { entries.filter { $0.fromBase != true } }

    /// Throws `manifestMismatch` describing the first difference between what the archive
    /// declares (`self`) and what was extracted. Only the tar's fields are compared (device and
    /// inode are not restored), and a differential's `from_base` files are left out: the
    /// restore checks those against the base.
    func check(extracted: TarManifest) throws {
        let entries = tarEntries.map(\.tarFields)
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
        let fromBase = self.entries.filter { $0.fromBase == true }
        if files - fromBase.count != extracted.files || directories != extracted.directories
            || symlinks != extracted.symlinks || bytes - fromBase.reduce(0, { $0 + $1.size }) != extracted.bytes {
            throw TarError.manifestMismatch("the manifest's totals differ from its entries")
        }
    }
}
