import Foundation
import LetheCore
#if canImport(Glibc)
import Glibc
#endif

/// Whether a path lies inside a folder, as the file system sees it: the nearest existing
/// ancestor of the path is resolved (symbolic links, `..`), then it and each of its ancestors
/// is compared with the folder by device and inode (so a bind mount of the folder counts too).
/// The check behind `init` (no home, store or key directory inside the source root) and
/// `restore` / `export` (no target inside it).
enum PathContainment {
    /// True when `path` is `folder` or lies anywhere below it; false when `folder` does not exist.
    static func isInside(_ path: URL, _ folder: URL) -> Bool {
        var folderInfo = stat()
        guard stat(folder.path, &folderInfo) == 0 else { return false }
        var current = nearestExistingAncestor(Array(path.path.utf8))
        while true {
            var info = stat()
            if withCPath(current, { stat($0, &info) }) == 0,
               info.st_dev == folderInfo.st_dev, info.st_ino == folderInfo.st_ino {
                return true
            }
            guard let slash = current.lastIndex(of: UInt8(ascii: "/")), current.count > 1 else { return false }
            current = slash == 0 ? [UInt8(ascii: "/")] : Array(current[..<slash])
        }
    }

    /// Refuses a `restore` target or an `export` output inside the home's source root: the next
    /// backup would take it for a customer (or part of one), outside any later shred of the
    /// customer it came from.
    ///
    /// - Parameter what: what `path` is, for the message ("restore target", "export output").
    /// - Throws: `invalidRequest` (exit 64) when `path` lies inside the source root.
    static func refuseInsideSourceRoot(_ path: URL, of home: Home, what: String) throws {
        guard isInside(path, home.sourceURL) else { return }
        throw JobError.invalidRequest("the \(what) \(path.path) is inside the source root \(home.sourceURL.path): the next backup would take it for customer data, outside any later shred of this customer; choose a place outside the source root (nothing was written)")
    }

    /// The path with every symbolic link, `.` and `..` resolved (realpath(3)); nil if it does not exist.
    static func realPath(_ path: [UInt8]) -> [UInt8]? {
        guard let resolved = withCPath(path, { realpath($0, nil) }) else { return nil }
        defer { free(resolved) }
        return Array(UnsafeBufferPointer(start: UnsafeRawPointer(resolved).assumingMemoryBound(to: UInt8.self), count: strlen(resolved)))
    }

    /// The resolved path of the deepest existing folder on the way to `path` (an absolute
    /// path), walking from the root as the kernel would; missing components after it are
    /// applied by name, `..` included.
    private static func nearestExistingAncestor(_ path: [UInt8]) -> [UInt8] {
        var current: [UInt8] = [UInt8(ascii: "/")]
        var missing = 0
        for component in path.split(separator: UInt8(ascii: "/")).map(Array.init) where component != [UInt8(ascii: ".")] {
            if missing > 0 {
                // Below a missing folder: `..` climbs back out of what would be created.
                if component == [UInt8(ascii: "."), UInt8(ascii: ".")] { missing -= 1 } else { missing += 1 }
                continue
            }
            let candidate = (current == [UInt8(ascii: "/")] ? current : current + [UInt8(ascii: "/")]) + component
            if let resolved = realPath(candidate) { current = resolved } else { missing = 1 }
        }
        return current
    }

    /// Calls `body` with `bytes` as a NUL-terminated C path.
    static func withCPath<R>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        (bytes.map { CChar(bitPattern: $0) } + [0]).withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
