/// One file of a base archive as the file system identified it when the base was written, and
/// nothing that names it: the catalog's names-free base index, from which a later backup
/// decides, without any key, which files are unchanged since the base.
///
/// A file is unchanged when all five fields match its current `lstat`. A content change that
/// keeps size, modification time and change time equal is not detected, as with every tool that
/// trusts file metadata; the change time cannot be set from user space, so such a change needs
/// the clock or the file system tampered with.
public struct BaseIndexEntry: Sendable, Hashable {
    /// The file system's device number.
    public var device: UInt64
    /// The inode number on that device.
    public var inode: UInt64
    /// The size in bytes.
    public var size: Int64
    /// The modification time, nanoseconds since 1970.
    public var mtimeNanos: Int64
    /// The status change time, nanoseconds since 1970.
    public var ctimeNanos: Int64

    /// An entry.
    public init(device: UInt64, inode: UInt64, size: Int64, mtimeNanos: Int64, ctimeNanos: Int64) {
        (self.device, self.inode, self.size, self.mtimeNanos, self.ctimeNanos) = (device, inode, size, mtimeNanos, ctimeNanos)
    }
}

/// A file's identity on the file system: its device and inode.
public struct BaseIndexKey: Sendable, Hashable {
    /// The device number.
    public var device: UInt64
    /// The inode number.
    public var inode: UInt64

    /// A key.
    public init(device: UInt64, inode: UInt64) { (self.device, self.inode) = (device, inode) }
}
