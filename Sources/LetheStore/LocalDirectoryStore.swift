import Foundation
import LetheCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An object store in a local directory: one file per object, at `root/<key>`.
///
/// Publication is crash-safe: a `put` writes a temporary file (`.tmp-<random>`, mode 0600) in
/// the object's directory, fsyncs it, renames it over the key and fsyncs the directory, so a
/// crash leaves either the old object, the new one, or a temporary file that readers never see
/// and `removeAbandoned(prefix:olderThan:)` cleans up. The root directory must exist (a missing
/// root reads as an unmounted disk: `unavailable`); directories below it are made as needed.
/// The store cannot lock objects: a `put` with `lockUntil` throws `lockUnsupported`.
/// It keeps no versions: `delete`'s `versionID` is ignored. As keys map to paths, one key
/// cannot be both an object and a prefix of another ("a" and "a/b"): the second `put` fails.
public struct LocalDirectoryStore: ObjectStore {
    /// The directory the objects live under.
    public let root: URL
    /// `root.path`, kept: a URL decodes its path again at every call, and a backup builds a few
    /// paths per archive.
    let rootPath: String

    /// The prefix of temporary files; keys with a part starting with it are refused.
    public static let temporaryPrefix = ".tmp-"

    /// A store kept under `root`.
    public init(root: URL) {
        self.root = root.standardizedFileURL
        self.rootPath = self.root.path
    }

    /// Always `.local`.
    public var location: Location { .local }

    /// Creates the root directory (mode 0700) if it does not exist yet.
    ///
    /// - Throws: `ObjectStoreError.failed` if it cannot be created.
    public func createRoot() throws {
        do {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw ObjectStoreError.failed("cannot create the store directory \(rootPath): \(error.localizedDescription)")
        }
    }

    // MARK: put

    public func put(_ key: ObjectKey, lockUntil: Date?, body: (any ByteSink) throws -> Void) throws -> StoredObject {
        if lockUntil != nil { throw ObjectStoreError.lockUnsupported }
        let final = try path(of: key)
        try checkRoot()
        let directory = (final as NSString).deletingLastPathComponent
        try makeDirectories(directory)
        let written = try DurableFile.publish(
            URL(fileURLWithPath: final, isDirectory: false), .replace, mode: 0o600,
            temporaryName: Self.temporaryPrefix + RandomName.base32(count: 16),
            // A copy is written once and read rarely: drop its now-clean pages from the page
            // cache, so a nightly run does not push the source tree and everything else out.
            uncached: true,
            failure: { posixError($0.code, Self.doing($0.operation, key)) },
            write: body)
        return StoredObject(key: key, size: written)
    }

    /// What a step of publishing `key` was doing, for the error message.
    static func doing(_ operation: DurableFileError.Operation, _ key: ObjectKey) -> String {
        switch operation {
        case .create: return "create a temporary file for \(key)"
        case .write: return "write \(key)"
        case .sync: return "flush \(key) to disk"
        case .close: return "close \(key)"
        case .rename, .link: return "publish \(key)"
        case .open, .remove, .openFolder, .syncFolder: return folderDoing(operation)
        }
    }

    /// What a step on a folder was doing, for the error message.
    private static func folderDoing(_ operation: DurableFileError.Operation) -> String {
        operation == .openFolder ? "open a directory to flush it" : "flush a directory to disk"
    }

    // MARK: get, head, list

    public func get<T>(_ key: ObjectKey, body: (any ByteSource) throws -> T) throws -> T {
        let file = try path(of: key)
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { try checkRoot(); throw ObjectStoreError.notFound(key) }
            throw posixError(code, "open \(key)")
        }
        let source = FileSource(fd: fd, key: key, store: self)  // closes fd when released
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw posixError(errno, "look up \(key)") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw ObjectStoreError.notFound(key) }
        return try body(source)
    }

    public func head(_ key: ObjectKey) throws -> StoredObject? {
        let file = try path(of: key)
        var info = stat()
        guard stat(file, &info) == 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { try checkRoot(); return nil }
            throw posixError(code, "look up \(key)")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return StoredObject(key: key, size: Int64(info.st_size))
    }

    public func list(prefix: String) throws -> [StoredObject] {
        try checkRoot()
        var found: [StoredObject] = []
        try walk(relative: Self.deepestDirectory(of: prefix)) { relative, info in
            if relative.hasPrefix(prefix), let key = ObjectKey(relative) {
                found.append(StoredObject(key: key, size: Int64(info.st_size)))
            }
        }
        return found.sorted { $0.key < $1.key }
    }

    // MARK: delete

    public func delete(_ key: ObjectKey, versionID: String?) throws {
        let file = try path(of: key)
        guard unlink(file) == 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { try checkRoot(); throw ObjectStoreError.notFound(key) }
            throw posixError(code, "delete \(key)")
        }
        try syncDirectory((file as NSString).deletingLastPathComponent)
        try removeEmptyFolders(above: file)
    }

    /// Removes the folders a deletion left empty, up to (not including) the root, so the store
    /// does not fill with empty per-set folders that every clean-up walk must visit.
    private func removeEmptyFolders(above file: String) throws {
        var folder = (file as NSString).deletingLastPathComponent
        while folder.count > rootPath.count, folder.hasPrefix(rootPath + "/") {
            guard rmdir(folder) == 0 else { return } // not empty (or raced by a put): stop here
            folder = (folder as NSString).deletingLastPathComponent
            try syncDirectory(folder)
        }
    }

    /// Removes the temporary files (`.tmp-…`) that puts of runs that died left below `prefix`,
    /// if last modified more than `age` seconds ago by this machine's clock (which stamps the
    /// files; 0: all of them), and syncs their folders.
    ///
    /// - Returns: each removed file, by its path relative to the root.
    /// - Throws: `ObjectStoreError` if the directory cannot be read or a file cannot be removed.
    public func removeAbandoned(prefix: String, olderThan age: TimeInterval) throws -> [AbandonedWrite] {
        try checkRoot()
        let cutoff = Date().addingTimeInterval(-age)
        var removed: [AbandonedWrite] = []
        var touched = Set<String>()
        // Only temporary files are looked up (their age): every other file is passed over on its
        // directory entry's type, without an lstat (a store holds every archive of its history).
        try walk(relative: Self.deepestDirectory(of: prefix), includeTemporaries: true,
                 only: { $0.hasPrefix(Self.temporaryPrefix) }) { relative, info in
            let name = (relative as NSString).lastPathComponent
            guard name.hasPrefix(Self.temporaryPrefix), relative.hasPrefix(prefix) else { return }
            #if os(Linux)
            let modified = Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec))
            #else
            let modified = Date(timeIntervalSince1970: TimeInterval(info.st_mtimespec.tv_sec))
            #endif
            guard age <= 0 || modified < cutoff else { return }
            let full = rootPath + "/" + relative
            guard unlink(full) == 0 || errno == ENOENT else { throw posixError(errno, "remove the stale temporary file \(relative)") }
            touched.insert((full as NSString).deletingLastPathComponent)
            removed.append(AbandonedWrite(name: relative, started: modified))
        }
        for directory in touched { try syncDirectory(directory) }
        return removed
    }

    // MARK: helpers

    /// The file of `key`, refusing keys that use the temporary prefix.
    func path(of key: ObjectKey) throws -> String {
        if key.rawValue.hasPrefix(Self.temporaryPrefix) || key.rawValue.contains("/" + Self.temporaryPrefix) {
            throw ObjectStoreError.failed("key \(key) uses the reserved prefix \(Self.temporaryPrefix): choose another name")
        }
        return rootPath + "/" + key.rawValue
    }

    /// Throws `unavailable` if the root is missing (an unmounted disk looks like this).
    func checkRoot() throws {
        var info = stat()
        guard stat(rootPath, &info) == 0 else {
            let code = errno
            if code == ENOENT {
                throw ObjectStoreError.unavailable("the store directory \(rootPath) does not exist: mount it or run init")
            }
            throw posixError(code, "open the store directory")
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            throw ObjectStoreError.failed("\(rootPath) is not a directory: point the store at a directory")
        }
    }

    /// Creates `directory` and its missing parents below the root, fsyncing each parent (unless
    /// `sync` is false: the caller syncs the whole file system before anything depends on them).
    func makeDirectories(_ directory: String, sync: Bool = true) throws {
        var missing: [String] = []
        var current = directory
        while current.count > rootPath.count {
            var info = stat()
            if stat(current, &info) == 0 {
                guard (info.st_mode & S_IFMT) == S_IFDIR else {
                    throw ObjectStoreError.failed("\(current) is a file where the store needs a directory: remove it")
                }
                break
            }
            missing.append(current)
            current = (current as NSString).deletingLastPathComponent
        }
        for directory in missing.reversed() {
            if mkdir(directory, 0o700) != 0 && errno != EEXIST { throw posixError(errno, "create a directory") }
            if sync { try syncDirectory((directory as NSString).deletingLastPathComponent) }
        }
    }

    /// Fsyncs a folder (`DurableFile.syncDirectory`), failing with the store's error.
    func syncDirectory(_ directory: String) throws {
        do {
            try DurableFile.syncDirectory(URL(fileURLWithPath: directory))
        } catch let error as DurableFileError {
            throw posixError(error.code, Self.folderDoing(error.operation))
        }
    }

    /// The deepest directory `prefix` names (relative to the root), where a walk for it starts,
    /// so a narrow listing stays cheap.
    private static func deepestDirectory(of prefix: String) -> String {
        prefix.contains("/") ? String(prefix[..<prefix.lastIndex(of: "/")!]) : ""
    }

    /// Calls `visit` for every regular file below `relative`, depth first; with `only`, for
    /// those whose name it accepts. Where the file system gives each entry's type in the folder
    /// listing (`d_type`), folders are entered and files `only` refuses are passed over without
    /// an `lstat`; an entry of unknown type is looked up as always.
    private func walk(relative: String, includeTemporaries: Bool = false, only: ((String) -> Bool)? = nil,
                      visit: (String, stat) throws -> Void) throws {
        let full = relative.isEmpty ? rootPath : rootPath + "/" + relative
        guard let dir = opendir(full) else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return }
            throw posixError(code, "read the directory \(relative.isEmpty ? "." : relative)")
        }
        defer { closedir(dir) }
        var names: [String] = []
        var folders: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            if !includeTemporaries && name.hasPrefix(Self.temporaryPrefix) { continue }
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_DIR): folders.append(name)
            case Int32(DT_REG) where only.map({ !$0(name) }) ?? false: continue
            case Int32(DT_UNKNOWN): names.append(name)
            case Int32(DT_REG): names.append(name)
            default: continue // links, devices, sockets: never an object
            }
        }
        for name in folders {
            try walk(relative: relative.isEmpty ? name : relative + "/" + name, includeTemporaries: includeTemporaries,
                     only: only, visit: visit)
        }
        for name in names {
            let child = relative.isEmpty ? name : relative + "/" + name
            var info = stat()
            guard lstat(rootPath + "/" + child, &info) == 0 else {
                if errno == ENOENT { continue }
                throw posixError(errno, "look up \(child)")
            }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: try walk(relative: child, includeTemporaries: includeTemporaries, only: only, visit: visit)
            case S_IFREG where only.map({ $0(name) }) ?? true: try visit(child, info)
            default: continue
            }
        }
    }

    /// Maps an errno to the contract's errors, with a message that says what to do.
    func posixError(_ code: Int32, _ doing: String) -> ObjectStoreError {
        let reason = String(cString: strerror(code))
        switch code {
        case ENOSPC, EDQUOT:
            return .failed("disk full: free space in \(rootPath) and run again (could not \(doing))")
        case EACCES, EPERM:
            return .failed("permission denied in \(rootPath): give Lethe's user access (could not \(doing))")
        case EROFS:
            return .failed("\(rootPath) is read-only: remount it read-write (could not \(doing))")
        case EIO:
            return .failed("input/output error in \(rootPath): check the disk (could not \(doing))")
        case ENOENT:
            return .unavailable("\(rootPath) vanished while trying to \(doing): is the disk mounted?")
        default:
            return .failed("could not \(doing) in \(rootPath): \(reason)")
        }
    }
}

/// Reads an open file descriptor, at most 1 MiB per call; closes it on deinit.
private final class FileSource: ByteSource {
    private let fd: Int32
    private let key: ObjectKey
    private let store: LocalDirectoryStore

    init(fd: Int32, key: ObjectKey, store: LocalDirectoryStore) {
        self.fd = fd; self.key = key; self.store = store
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let n = systemRead(fd, base, min(buffer.count, 1 << 20))
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw store.posixError(errno, "read \(key)")
        }
    }

    deinit { systemClose(fd) }
}

// The C calls, under names the classes' own `read`/`write`/`close` methods do not shadow.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int { read(fd, buffer, count) }
@discardableResult private func systemClose(_ fd: Int32) -> Int32 { close(fd) }
