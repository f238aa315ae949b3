import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Byte-path helpers over Glibc: names round-trip whatever their encoding.
public enum Tree {
    /// Calls `body` with `path` as a NUL-terminated C string.
    public static func cPath<R>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        var bytes = path.map { CChar(bitPattern: $0) }
        bytes.append(0)
        return bytes.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    /// `root/relative`.
    public static func join(_ root: [UInt8], _ relative: [UInt8]) -> [UInt8] { root + [UInt8(ascii: "/")] + relative }

    /// Makes the folder `root/relative` with `mode` (names as text or, below, as bytes).
    public static func mkdir(_ root: [UInt8], _ relative: String, mode: mode_t = 0o755) {
        mkdir(root, Array(relative.utf8), mode: mode)
    }
    public static func mkdir(_ root: [UInt8], _ relative: [UInt8], mode: mode_t = 0o755) {
        let path = join(root, relative)
        precondition(cPath(path) { Glibc.mkdir($0, mode) } == 0, "mkdir failed")
        _ = cPath(path) { chmod($0, mode) }
    }

    /// Writes a new regular file `root/relative` holding `content`, with `mode`.
    public static func file(_ root: [UInt8], _ relative: String, _ content: [UInt8], mode: mode_t = 0o644) {
        file(root, Array(relative.utf8), content, mode: mode)
    }
    public static func file(_ root: [UInt8], _ relative: [UInt8], _ content: [UInt8], mode: mode_t = 0o644) {
        let fd = cPath(join(root, relative)) { open($0, O_WRONLY | O_CREAT | O_EXCL, mode) }
        precondition(fd >= 0, "open failed")
        var offset = 0
        while offset < content.count {
            let n = content[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            precondition(n > 0)
            offset += n
        }
        close(fd)
        _ = cPath(join(root, relative)) { chmod($0, mode) }
    }

    /// Makes `root/relative` a symbolic link to `target` (stored as given).
    public static func symlink(_ root: [UInt8], _ relative: String, to target: String) {
        symlink(root, Array(relative.utf8), to: Array(target.utf8))
    }
    public static func symlink(_ root: [UInt8], _ relative: [UInt8], to target: [UInt8]) {
        let status = cPath(target) { t in cPath(join(root, relative)) { Glibc.symlink(t, $0) } }
        precondition(status == 0, "symlink failed")
    }

    /// Makes a FIFO at `root/relative`.
    public static func fifo(_ root: [UInt8], _ relative: String) {
        precondition(cPath(join(root, Array(relative.utf8))) { mkfifo($0, 0o644) } == 0)
    }

    /// Binds a unix socket at the path (closed again; the socket file stays).
    public static func socket(_ root: [UInt8], _ relative: String) {
        let path = join(root, Array(relative.utf8))
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        precondition(fd >= 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        precondition(path.count < MemoryLayout.size(ofValue: address.sun_path))
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.enumerated() { raw[index] = byte }
        }
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        precondition(status == 0, "bind failed")
        close(fd)
    }

    /// Sets the modification (and access) time without following symlinks.
    public static func setMtime(_ root: [UInt8], _ relative: [UInt8], seconds: Int, nanos: Int) {
        var times = [timespec(tv_sec: seconds, tv_nsec: nanos), timespec(tv_sec: seconds, tv_nsec: nanos)]
        let status = cPath(join(root, relative)) { utimensat(AT_FDCWD, $0, &times, AT_SYMLINK_NOFOLLOW) }
        precondition(status == 0, "utimensat failed")
    }

    /// Sets one fixed modification time (whole seconds) on `folder` and everything under it, so
    /// that archives of it, and their sizes, are the same on every run (golden files).
    public static func pinTimes(under folder: URL, at fixed: Date = Date(timeIntervalSince1970: 1_790_000_000)) throws {
        let items = (FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?.allObjects as? [URL]) ?? []
        for item in items + [folder] {
            try FileManager.default.setAttributes([.modificationDate: fixed], ofItemAtPath: item.path)
        }
    }

    /// One node of a tree, as compared after a round trip.
    public struct Node: Equatable, CustomStringConvertible {
        public var path: [UInt8]
        public var type: UInt32
        public var mode: UInt32
        public var mtime: Int
        public var mtimeNanos: Int
        public var content: [UInt8]
        public var target: [UInt8]?
        public init(path: [UInt8], type: UInt32, mode: UInt32, mtime: Int, mtimeNanos: Int, content: [UInt8], target: [UInt8]?) {
            self.path = path; self.type = type; self.mode = mode; self.mtime = mtime
            self.mtimeNanos = mtimeNanos; self.content = content; self.target = target
        }
        public var description: String {
            "\(Tree.printable(path)) type \(String(type, radix: 8)) mode \(String(mode, radix: 8)) mtime \(mtime).\(mtimeNanos) \(content.count) bytes" + (target.map { " -> \(Tree.printable($0))" } ?? "")
        }
    }

    /// The names in `folder` as the file system holds them (readdir bytes), sorted by bytes,
    /// without `.` and `..`.
    public static func names(_ folder: [UInt8]) -> [[UInt8]] {
        guard let dir = cPath(folder, { opendir($0) }) else { preconditionFailure("opendir failed") }
        var names: [[UInt8]] = []
        while let item = readdir(dir) {
            let name = withUnsafeBytes(of: item.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if name == [46] || name == [46, 46] { continue }
            names.append(name)
        }
        closedir(dir)
        return names.sorted(by: { $0.lexicographicallyPrecedes($1) })
    }

    /// Every node under `root`, sorted by path bytes. Symlink modes and times are not kept
    /// (Linux gives links no meaningful mode).
    public static func snapshot(_ root: [UInt8], _ relative: [UInt8] = []) -> [Node] {
        var nodes: [Node] = []
        let folder = relative.isEmpty ? root : join(root, relative)
        for name in names(folder) {
            let child = relative.isEmpty ? name : relative + [47] + name
            var info = stat()
            precondition(cPath(join(root, child)) { lstat($0, &info) } == 0)
            let type = UInt32(info.st_mode) & 0o170000
            var node = Node(path: child, type: type, mode: UInt32(info.st_mode) & 0o7777,
                            mtime: Int(info.st_mtim.tv_sec), mtimeNanos: Int(info.st_mtim.tv_nsec),
                            content: [], target: nil)
            switch type {
            case 0o100000:
                node.content = readFile(join(root, child))
                nodes.append(node)
            case 0o040000:
                nodes.append(node)
                nodes += snapshot(root, child)
            case 0o120000:
                var buffer = [CChar](repeating: 0, count: 4096)
                let n = cPath(join(root, child)) { readlink($0, &buffer, 4096) }
                node.target = buffer[0..<n].map { UInt8(bitPattern: $0) }
                node.mode = 0
                node.mtime = 0
                node.mtimeNanos = 0
                nodes.append(node)
            default:
                nodes.append(node)
            }
        }
        return nodes
    }

    /// The content of the regular file at `path`.
    public static func readFile(_ path: [UInt8]) -> [UInt8] {
        let fd = cPath(path) { open($0, O_RDONLY) }
        precondition(fd >= 0)
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = read(fd, &buffer, buffer.count)
            precondition(n >= 0)
            if n == 0 { return result }
            result += buffer[0..<n]
        }
    }

    /// Bytes for a failure message: printable ASCII as is, every other byte as `\xNN`.
    public static func printable(_ bytes: [UInt8]) -> String {
        bytes.map { $0 > 0x20 && $0 < 0x7f && $0 != 0x5c ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }.joined()
    }

    /// Deterministic pseudo-random bytes.
    public static func noise(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed | 1
        return (0..<count).map { _ in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
    }
}
