internal import CArchive
import Foundation
import LetheCore
#if canImport(Glibc)
import Glibc
#endif

/// An archive's complete listing (its manifest), kept after its unpack so that a differential
/// written against it can find its unchanged files.
public struct ArchiveListing: Sendable, Equatable {
    let manifest: TarManifest

    /// Whether the archive holds database rows (its files are then under `files/` when restored).
    var hasRows: Bool { manifest.entries.contains { $0.path.hasPrefix("rows/") } }
}

/// The base of a differential being unpacked: its restored tree, its listing and its id.
public struct UnpackBase: Sendable {
    /// The base archive's id (the differential's manifest must name it).
    public var archive: String
    /// The folder the base was unpacked into (its files are moved out of it).
    public var tree: URL
    /// The base's listing, from its unpack.
    public var listing: ArchiveListing

    /// A base.
    public init(archive: String, tree: URL, listing: ArchiveListing) { (self.archive, self.tree, self.listing) = (archive, tree, listing) }
}

/// Puts a differential's `from_base` files into its staging tree, taken from the base's tree by
/// device and inode through the base's listing, after checking each agrees with the base's
/// entry in size and modification time (else `manifestMismatch`: the base does not match).
///
/// A file goes only into a folder the archive's tar created (so never through a symbolic link,
/// which are created after this) and never over an existing entry. A base file that several
/// entries take (hard links, stored as separate files) is copied; the last one moves it.
struct BasePlacement {
    let root: [UInt8]
    let manifest: TarManifest
    let folders: Set<[UInt8]>
    let base: UnpackBase?

    init(root: [UInt8], manifest: TarManifest, folders: Set<[UInt8]>, base: UnpackBase?) {
        (self.root, self.manifest, self.folders, self.base) = (root, manifest, folders, base)
    }

    /// Places every `from_base` file; returns how many and their bytes.
    func run() throws -> (files: Int, bytes: Int64) {
        let taken = try ArchiveListing(manifest: manifest).takenFiles(from: base?.listing, baseArchive: base?.archive)
        guard let base, !taken.isEmpty else { return (0, 0) }
        var uses: [BaseIndexKey: Int] = [:]
        for (entry, _) in taken { uses[entry.identity, default: 0] += 1 }
        let baseRoot = (EntryFields.bytes(base.tree.path) ?? []) + [PathBytes.slash]
            + (base.listing.hasRows ? RowsFolderWriter.filesFolder : [])
        var placed: Set<[UInt8]> = []
        var bytes: Int64 = 0
        for (entry, source) in taken {
            let key = entry.identity
            let relative = try Self.destination(of: entry, folders: folders, placed: &placed)
            let from = baseRoot + (try Self.relative(source.path))
            let remaining = uses[key, default: 1]
            uses[key] = remaining - 1
            try place(from: from, to: root + relative, move: remaining == 1, entry: entry)
            bytes += entry.size
        }
        return (taken.count, bytes)
    }

    /// Where an unchanged file goes, relative to the restored tree: a path under `data/` that
    /// no entry took yet (added to `placed`), in a folder the archive's tar created.
    static func destination(of entry: TarManifest.Entry, folders: Set<[UInt8]>, placed: inout Set<[UInt8]>) throws -> [UInt8] {
        let relative = try relative(entry.path)
        guard !placed.contains(relative), !folders.contains(relative) else { throw TarError.duplicatePath(kind: "regular file") }
        let components = PathBytes.components(relative)
        for depth in 1..<components.count where !folders.contains(PathBytes.join(Array(components[0..<depth]))) {
            throw TarError.manifestMismatch("an unchanged file's folder is not in the archive")
        }
        placed.insert(relative)
        return relative
    }

    /// The bytes of a manifest path under `data/`, relative to it.
    static func relative(_ path: String) throws -> [UInt8] {
        guard let bytes = PathBytes.unescape(path), bytes.starts(with: TarPacker.dataPrefix), bytes.count > TarPacker.dataPrefix.count,
              !PathBytes.components(bytes).contains(where: { $0.isEmpty || PathBytes.isDot($0) || PathBytes.isDotDot($0) })
        else { throw TarError.manifestMismatch("an unchanged file's path is not a path under data/") }
        return Array(bytes.dropFirst(TarPacker.dataPrefix.count))
    }

    /// Moves or copies the base file, then checks it and gives it the entry's mode and time
    /// (``UnchangedFile/finish(_:as:)``: only where they differ from what the base's unpack left).
    func place(from: [UInt8], to: [UInt8], move: Bool, entry: TarManifest.Entry) throws {
        if move { try UnchangedFile.move(from: from, to: to) } else { try UnchangedFile.copy(from: from, to: to) }
        try UnchangedFile.finish(to, as: entry)
    }
}
