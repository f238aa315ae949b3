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

    init(root: [UInt8], manifest: TarManifest, folders: Dictionary<[UInt8], UInt32>.Keys, base: UnpackBase?) {
        (self.root, self.manifest, self.folders, self.base) = (root, manifest, Set(folders), base)
    }

    /// Places every `from_base` file; returns how many and their bytes.
    func run() throws -> (files: Int, bytes: Int64) {
        let taken = try ArchiveListing(manifest: manifest).takenFiles(from: base?.listing, baseArchive: base?.archive)
        guard let base, !taken.isEmpty else { return (0, 0) }
        var uses: [BaseIndexKey: Int] = [:]
        for (entry, _) in taken { uses[BaseIndexKey(device: entry.device ?? 0, inode: entry.inode ?? 0), default: 0] += 1 }
        let baseRoot = (EntryFields.bytes(base.tree.path) ?? []) + [PathBytes.slash]
            + (base.listing.hasRows ? RowsFolderWriter.filesFolder : [])
        var placed: Set<[UInt8]> = []
        var bytes: Int64 = 0
        for (entry, source) in taken {
            let key = BaseIndexKey(device: entry.device ?? 0, inode: entry.inode ?? 0)
            let relative = try self.relative(entry.path)
            guard !placed.contains(relative), !folders.contains(relative) else { throw TarError.duplicatePath(kind: "regular file") }
            let components = PathBytes.components(relative)
            for depth in 1..<components.count where !folders.contains(PathBytes.join(Array(components[0..<depth]))) {
                throw TarError.manifestMismatch("an unchanged file's folder is not in the archive")
            }
            let from = baseRoot + (try self.relative(source.path))
            let to = root + relative
            let remaining = uses[key, default: 1]
            uses[key] = remaining - 1
            try place(from: from, to: to, move: remaining == 1, entry: entry)
            placed.insert(relative)
            bytes += entry.size
        }
        return (taken.count, bytes)
    }

    /// The bytes of a manifest path under `data/`, relative to it.
    func relative(_ path: String) throws -> [UInt8] {
        guard let bytes = PathBytes.unescape(path), bytes.starts(with: TarPacker.dataPrefix), bytes.count > TarPacker.dataPrefix.count,
              !PathBytes.components(bytes).contains(where: { $0.isEmpty || PathBytes.isDot($0) || PathBytes.isDotDot($0) })
        else { throw TarError.manifestMismatch("an unchanged file's path is not a path under data/") }
        return Array(bytes.dropFirst(TarPacker.dataPrefix.count))
    }

    /// Moves (one rename that never replaces an entry, or where the file system lacks that, a
    /// hard link then an unlink) or copies the base file, then checks its size and gives it the
    /// entry's mode and modification time (only where they differ: the base's unpack set them
    /// from the base's entry, which an unchanged file shares).
    func place(from: [UInt8], to: [UInt8], move: Bool, entry: TarManifest.Entry) throws {
        func failure(_ what: String) -> TarError {
            let code = errno
            if code == ENOSPC || code == EDQUOT { return .noSpace }
            return .libarchive("\(what) an unchanged file from the base: \(String(cString: strerror(code)))")
        }
        if move {
            if from.withCString({ f in to.withCString { lethe_rename_noreplace(f, $0) } }) != 0 {
                guard errno == ENOSYS || errno == EINVAL else { throw failure("moving") }
                guard from.withCString({ f in to.withCString { link(f, $0) } }) == 0 else { throw failure("linking") }
                _ = from.withCString { unlink($0) }
            }
        } else {
            let input = from.withCString { open($0, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) }
            guard input >= 0 else { throw failure("opening") }
            defer { close(input) }
            let output = to.withCString { open($0, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600) }
            guard output >= 0 else { throw failure("creating") }
            defer { close(output) }
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
                if n < 0 { if errno == EINTR { continue }; throw failure("reading") }
                if n == 0 { break }
                var offset = 0
                while offset < n {
                    let w = buffer.withUnsafeBytes { write(output, $0.baseAddress! + offset, n - offset) }
                    guard w > 0 else { throw failure("writing") }
                    offset += w
                }
            }
        }
        var info = stat()
        guard to.withCString({ lstat($0, &info) }) == 0 else { throw failure("checking") }
        guard (UInt32(info.st_mode) & LibArchive.typeMask) == LibArchive.regular, Int64(info.st_size) == entry.size else {
            throw TarError.manifestMismatch("the base does not match: an unchanged file restored from it has another size")
        }
        if UInt32(info.st_mode) & 0o7777 != entry.mode & 0o777 {
            guard to.withCString({ chmod($0, mode_t(entry.mode & 0o777)) }) == 0 else { throw failure("setting the mode of") }
        }
        if info.st_mtim.tv_sec != entry.mtime || info.st_mtim.tv_nsec != entry.mtimeNanos {
            var times = [timespec(tv_sec: entry.mtime, tv_nsec: entry.mtimeNanos), timespec(tv_sec: entry.mtime, tv_nsec: entry.mtimeNanos)]
            guard to.withCString({ utimensat(AT_FDCWD, $0, &times, AT_SYMLINK_NOFOLLOW) }) == 0 else { throw failure("dating") }
        }
    }
}
