internal import CArchive
import Foundation
import LetheCore
#if canImport(Glibc)
import Glibc
#endif

/// One data entry that passed every check, as a consumer sees it.
struct CheckedEntry {
    /// The path below `data/`, without a trailing `/`.
    var relative: [UInt8]
    var type: UInt32
    /// The mode as stored, `& 0o7777` (consumers mask further).
    var mode: UInt32
    var size: Int64
    var mtime: Int
    var mtimeNanos: Int
    var target: [UInt8]?
    var kind: String { LibArchive.kindName(type) }
}

/// Reads a Lethe stream and hands over only entries that are safe to materialise.
///
/// The rules, each with its own error: only regular files, directories and symbolic links
/// (no hard links, devices, FIFOs, sockets); no empty or absolute path, no `..`, `.` or empty
/// component; everything under `data/` except the final `lethe-manifest.json`; no duplicate
/// path; nothing through a symbolic link; symbolic link targets relative and inside the root
/// (checked as entries arrive, and again over all links at the end). After the last entry the
/// source is read to its end, then the entries are compared with the manifest.
final class SafeArchiveReader {
    let reader: LibArchiveReader
    /// The longest path, staging prefix included, a consumer may be handed (below PATH_MAX so
    /// libarchive never falls back to changing directory).
    let maximumPathLength: Int

    private var kinds: [[UInt8]: UInt32] = [:]
    private var symlinks: [[UInt8]: [UInt8]] = [:]
    private var folders: Set<[UInt8]> = []
    private var extracted = TarManifest()
    private var declared: TarManifest?

    init(from source: any ByteSource, zstd: Bool = true, maximumPathLength: Int = 4000) throws {
        reader = try LibArchiveReader(from: source, zstd: zstd)
        self.maximumPathLength = maximumPathLength
    }

    /// Calls `body` for each checked data entry; `body` reads a regular file's content with
    /// `readData`. Returns after the manifest check passed, with the paths the manifest lists as
    /// left out at backup because they could not be read (relative to the customer's folder,
    /// escaped as `PathBytes.escape` does; empty for most archives).
    @discardableResult
    func run(_ body: (CheckedEntry, (UnsafeMutableRawBufferPointer) throws -> Int) throws -> Void) throws -> [String] {
        let readData: (UnsafeMutableRawBufferPointer) throws -> Int = { [reader] in try reader.readData(into: $0) }
        while let entry = try reader.nextHeader() {
            if declared != nil {
                throw TarError.manifestMismatch("an entry follows the manifest")
            }
            if let checked = try check(entry) {
                try body(checked, readData)
                extracted.append(path: TarPacker.dataPrefix + checked.relative, type: checked.type,
                                 size: checked.size, mode: checked.mode, mtime: checked.mtime,
                                 mtimeNanos: checked.mtimeNanos, target: checked.target)
            }
        }
        try reader.finish()
        guard let declared else { throw TarError.manifestMissing }
        for (path, target) in symlinks {
            let folder = Array(PathBytes.components(path).dropLast())
            guard PathBytes.staysInside(linkFolder: folder, target: target, lookup: lookup) else {
                throw TarError.symlinkEscapes
            }
        }
        try declared.check(extracted: extracted)
        return declared.unreadablePaths
    }

    private func lookup(_ position: [[UInt8]]) -> [UInt8]? { symlinks[PathBytes.join(position)] }

    /// Checks one header; nil for the manifest (read and kept here).
    private func check(_ entry: OpaquePointer) throws -> CheckedEntry? {
        let type = EntryFields.type(entry)
        if EntryFields.hardlink(entry) != nil {
            throw TarError.unsupportedEntry(kind: LibArchive.kindName(type, hardlink: true))
        }
        let kind = LibArchive.kindName(type)
        guard type == LibArchive.regular || type == LibArchive.directory || type == LibArchive.symlink else {
            throw TarError.unsupportedEntry(kind: kind)
        }
        var path = EntryFields.path(entry)
        if type == LibArchive.directory, path.count > 1, path.last == PathBytes.slash { path.removeLast() }
        guard !path.isEmpty else { throw TarError.unsafePath(kind: kind, problem: .empty) }
        guard path.first != PathBytes.slash else { throw TarError.unsafePath(kind: kind, problem: .absolute) }
        let components = PathBytes.components(path)
        if components.contains(where: PathBytes.isDotDot) {
            throw TarError.unsafePath(kind: kind, problem: .dotDot)
        }
        if components.contains(where: { $0.isEmpty || PathBytes.isDot($0) }) {
            throw TarError.unsafePath(kind: kind, problem: .irregular)
        }
        if path == TarManifest.entryName && type == LibArchive.regular {
            try readManifest(size: EntryFields.size(entry))
            return nil
        }
        guard components.count >= 2, components[0] == Array("data".utf8) else {
            throw TarError.unsafePath(kind: kind, problem: .outsideData)
        }
        let relative = Array(path.dropFirst(TarPacker.dataPrefix.count))
        guard relative.count < maximumPathLength else {
            throw TarError.unsafePath(kind: kind, problem: .tooLong)
        }
        let inner = Array(components.dropFirst())
        if kinds[relative] != nil || (type != LibArchive.directory && folders.contains(relative)) {
            throw TarError.duplicatePath(kind: kind)
        }
        for depth in 1..<inner.count {
            let ancestor = PathBytes.join(Array(inner[0..<depth]))
            switch kinds[ancestor] {
            case LibArchive.symlink?: throw TarError.writesThroughSymlink(kind: kind)
            case LibArchive.regular?: throw TarError.duplicatePath(kind: kind)
            default: folders.insert(ancestor)
            }
        }
        var target: [UInt8]?
        if type == LibArchive.symlink {
            guard let link = EntryFields.symlink(entry), !link.isEmpty, link.first != PathBytes.slash,
                  PathBytes.staysInside(linkFolder: Array(inner.dropLast()), target: link, lookup: lookup)
            else { throw TarError.symlinkEscapes }
            target = link
            symlinks[relative] = link
        }
        kinds[relative] = type
        let (mtime, nanos) = EntryFields.mtime(entry)
        let size = type == LibArchive.regular ? EntryFields.size(entry) : 0
        guard size >= 0 else { throw TarError.libarchive("an entry has a negative size") }
        return CheckedEntry(relative: relative, type: type, mode: EntryFields.mode(entry), size: size,
                            mtime: mtime, mtimeNanos: nanos, target: target)
    }

    private func readManifest(size: Int64) throws {
        guard size > 0, size <= TarManifest.maximumSize else {
            throw TarError.manifestMismatch("the manifest has an impossible size")
        }
        var data = Data(count: Int(size))
        var filled = 0
        try data.withUnsafeMutableBytes { buffer in
            while filled < buffer.count {
                let n = try reader.readData(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
                if n == 0 { break }
                filled += n
            }
        }
        guard filled == Int(size) else { throw TarError.manifestMismatch("the manifest is truncated") }
        declared = try TarManifest.decode(data)
    }
}
