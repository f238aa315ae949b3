internal import CArchive
import Foundation
import LetheCore

/// Writes arbitrary entries, hostile ones included, with the same pax + zstd settings as
/// `TarPacker`. For tests and tools only: it checks nothing.
public final class TarStreamBuilder {
    /// The type of an entry to write.
    public enum Kind: Sendable, Equatable {
        /// A regular file with its content.
        case file([UInt8])
        /// A directory.
        case directory
        /// A symbolic link to the target bytes.
        case symlink([UInt8])
        /// A hard link to another entry path.
        case hardlink([UInt8])
        /// A character device.
        case characterDevice
        /// A FIFO.
        case fifo
    }

    /// One entry to write.
    public struct Entry: Sendable, Equatable {
        /// The full entry path, `data/` prefix included when wanted.
        public var path: [UInt8]
        /// The type and its payload.
        public var kind: Kind
        /// Permission bits.
        public var mode: UInt32
        /// Modification time, seconds since 1970.
        public var mtime: Int

        /// An entry; `path` is given as a string for convenience.
        public init(_ path: String, _ kind: Kind, mode: UInt32 = 0o644, mtime: Int = 1_700_000_000) {
            self.init(bytes: Array(path.utf8), kind, mode: mode, mtime: mtime)
        }

        /// An entry with a path as raw bytes.
        public init(bytes path: [UInt8], _ kind: Kind, mode: UInt32 = 0o644, mtime: Int = 1_700_000_000) {
            self.path = path
            self.kind = kind
            self.mode = mode
            self.mtime = mtime
        }
    }

    private let writer: LibArchiveWriter
    private let entry: LibArchiveEntry

    /// Starts a stream into `output`.
    public init(into output: any ByteSink) throws {
        writer = try LibArchiveWriter(zstdInto: output, configure: TarPacker.configureStream)
        entry = try LibArchiveEntry()
    }

    /// Writes one entry as described.
    public func add(_ item: Entry) throws {
        var type = LibArchive.regular, size: Int64 = 0
        var symlink: [UInt8]?, hardlink: [UInt8]?, content: [UInt8] = []
        switch item.kind {
        case let .file(bytes): content = bytes; size = Int64(bytes.count)
        case .directory: type = LibArchive.directory
        case let .symlink(target): type = LibArchive.symlink; symlink = target
        case let .hardlink(target): hardlink = target
        case .characterDevice: type = 0o020000
        case .fifo: type = 0o010000
        }
        entry.set(path: item.path, type: type, mode: item.mode, size: size,
                  mtime: item.mtime, mtimeNanos: 0, symlink: symlink, hardlink: hardlink)
        try writer.writeHeader(entry, allowWarning: true)
        if !content.isEmpty { try content.withUnsafeBytes { try writer.writeData($0) } }
        try writer.finishEntry()
    }

    /// Writes each entry in order.
    public func add(_ items: [Entry]) throws {
        for item in items { try add(item) }
    }

    /// Writes a `lethe-manifest.json` entry describing `items` (files, directories and
    /// symbolic links; other kinds are described as files).
    public func addManifest(describing items: [Entry]) throws {
        var manifest = TarManifest()
        // Versions 1 and 2, as archives written before version 3 had them.
        manifest.version = items.contains(where: { $0.path.starts(with: RowsLayout.prefix) }) ? TarManifest.rowsVersion : 1
        for item in items {
            var path = item.path
            if path.count > 1, path.last == PathBytes.slash { path.removeLast() }
            switch item.kind {
            case let .file(bytes):
                manifest.append(path: path, type: LibArchive.regular, size: Int64(bytes.count),
                                mode: item.mode, mtime: item.mtime, mtimeNanos: 0, target: nil)
            case .directory:
                manifest.append(path: path, type: LibArchive.directory, size: 0,
                                mode: item.mode, mtime: item.mtime, mtimeNanos: 0, target: nil)
            case let .symlink(target):
                manifest.append(path: path, type: LibArchive.symlink, size: 0,
                                mode: item.mode, mtime: item.mtime, mtimeNanos: 0, target: target)
            default:
                manifest.append(path: path, type: LibArchive.regular, size: 0,
                                mode: item.mode, mtime: item.mtime, mtimeNanos: 0, target: nil)
            }
        }
        try add(Entry(bytes: TarManifest.entryName, .file(Array(manifest.encoded())), mode: 0o600, mtime: 0))
    }

    /// Writes the end-of-archive blocks and flushes the compressor.
    public func finish() throws {
        try writer.close()
    }
}
