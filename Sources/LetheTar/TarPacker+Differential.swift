import Foundation
import LetheCore
#if canImport(Glibc)
import Glibc
#endif

/// The base a differential is packed against: the base archive's id (written into the
/// manifest's `base`) and its names-free index (from the catalog).
public struct PackBase: Sendable {
    /// The base archive's id, as the header's `baseArchiveID`.
    public var archive: String
    /// The base's files by device and inode.
    public var index: [BaseIndexKey: BaseIndexEntry]

    /// A base.
    public init(archive: String, index: [BaseIndexKey: BaseIndexEntry]) { (self.archive, self.index) = (archive, index) }
}

extension TarPacker.Walk {
    /// Records the regular file `relative` (its `fstat` is `info`) in the pack's index and, in a
    /// differential whose base index holds the same five values (device, inode, size,
    /// modification and change time in nanoseconds), lists it in the manifest as `from_base`
    /// with no tar entry. Returns whether it did the latter.
    func takeFromBase(_ relative: [UInt8], _ info: stat) throws -> Bool {
        let now = BaseIndexEntry(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
                                 mtimeNanos: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
                                 ctimeNanos: Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec))
        let key = BaseIndexKey(device: now.device, inode: now.inode)
        index[key] = now
        guard let base, base.index[key] == now else { return false }
        manifest.append(path: TarPacker.dataPrefix + relative, type: LibArchive.regular, size: now.size,
                        mode: UInt32(info.st_mode) & 0o7777, mtime: Int(info.st_mtim.tv_sec), mtimeNanos: Int(info.st_mtim.tv_nsec),
                        target: nil, identity: (now.device, now.inode), fromBase: true)
        fromBase += 1
        return true
    }
}
