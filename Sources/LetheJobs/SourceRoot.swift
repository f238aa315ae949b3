import Foundation
import LetheCore
#if canImport(Glibc)
import Glibc
#endif

/// The source root: one folder per customer, the folder's name (its exact bytes) being the
/// customer id; each folder a customer once (see "Customers are folders, once each" in
/// docs/DESIGN.md).
///
/// Listed with `readdir`, never through `FileManager` or `String`: a name that is not UTF-8
/// is still a customer, and names that differ only in Unicode normalisation stay apart.
struct SourceRoot {
    /// What one listing of the root found.
    struct Listing {
        /// The customers to back up: each reaches a folder no other name reaches. Sorted by bytes.
        var customers: [CustomerID]
        /// Names refused because they reach the same folder as another name (or one inside
        /// another's), the root itself, or a folder inside it that is no customer's.
        var aliases: [SourceAlias]
        /// Folders skipped because their name is never a customer's (a dot-name, `lost+found`).
        var skipped: Int
    }

    /// The root's path as bytes.
    let path: [UInt8]

    init(_ url: URL) {
        var path = Array(url.path.utf8)
        while path.count > 1, path.last == UInt8(ascii: "/") { path.removeLast() }
        self.path = path
    }

    /// Whether a folder of this name can be a customer: not a dot-name (`.hidden`, `.snapshot`)
    /// and not `lost+found`, which file systems and tools put in a root of their own accord.
    static func isCustomerName(_ customer: CustomerID) -> Bool {
        customer.bytes.first != UInt8(ascii: ".") && customer.bytes != Array("lost+found".utf8)
    }

    /// Lists the root: every entry that is a folder (or a symbolic link to one), resolved to
    /// the folder it reaches, by device and inode and by real path. Names that reach one folder,
    /// or one inside another's, are refused together; a symbolic link into the root that
    /// reaches no customer folder (the root itself, a dot-folder) is refused alone (`aliases`).
    /// Other entries (files, dangling links) are ignored.
    ///
    /// - Throws: `JobError.failed` when the root cannot be listed.
    func list() throws -> Listing {
        let fd = PathContainment.withCPath(path) { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0, let directory = fdopendir(fd) else {
            let reason = String(cString: strerror(errno))
            if fd >= 0 { close(fd) }
            throw JobError.failed("cannot read the source root \(display) (\(reason)): check that it exists and is readable")
        }
        defer { closedir(directory) }
        var rootInfo = stat()
        guard fstat(dirfd(directory), &rootInfo) == 0 else {
            throw JobError.failed("cannot read the source root \(display) (\(String(cString: strerror(errno))))")
        }
        let rootPath = PathContainment.realPath(path)
        var folders: [Folder] = []
        var skipped = 0
        while true {
            errno = 0
            guard let item = readdir(directory) else {
                if errno != 0 {
                    throw JobError.failed("cannot read the source root \(display) (\(String(cString: strerror(errno))))")
                }
                break
            }
            let name = withUnsafeBytes(of: item.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            guard let customer = CustomerID(bytes: name) else { continue } // "." and ".."
            var info = stat(), linkInfo = stat()
            // Follows a symbolic link, as the packer does; an entry that vanished is skipped.
            guard PathContainment.withCPath(name, { fstatat(dirfd(directory), $0, &info, 0) }) == 0,
                  (info.st_mode & S_IFMT) == S_IFDIR else { continue }
            guard Self.isCustomerName(customer) else { skipped += 1; continue }
            // A folder listed as one is no link: its real path is the root's and its name, found
            // without resolving each component again (a link, or a type the listing leaves unsaid, is).
            let listedAsFolder = Int32(item.pointee.d_type) == Int32(DT_DIR)
            let isLink = !listedAsFolder
                && PathContainment.withCPath(name, { fstatat(dirfd(directory), $0, &linkInfo, AT_SYMLINK_NOFOLLOW) }) == 0
                && (linkInfo.st_mode & S_IFMT) == S_IFLNK
            let realPath = listedAsFolder
                ? rootPath.map { $0 == [UInt8(ascii: "/")] ? $0 + name : $0 + [UInt8(ascii: "/")] + name }
                : PathContainment.realPath(folder(of: customer))
            folders.append(Folder(customer: customer, identity: Identity(info), isLink: isLink, realPath: realPath))
        }
        return Self.resolve(folders, root: Identity(rootInfo), rootPath: rootPath, skipped: skipped)
    }

    /// The path of a customer's folder, as bytes.
    func folder(of customer: CustomerID) -> [UInt8] { path + [UInt8(ascii: "/")] + customer.bytes }

    /// Joins names that reach one folder (same device and inode, or same real path) or one
    /// inside another's (by real path, so links through folders outside the root count too),
    /// and refuses every name of a group of two or more. Refused alone: a name that reaches the
    /// root or a folder holding it, and a link into the root (`rootPath`) that reaches no
    /// customer folder (a dot-folder, say).
    static func resolve(_ folders: [Folder], root: Identity, rootPath: [UInt8]?, skipped: Int) -> Listing {
        var group = Array(folders.indices) // union-find: each folder's representative
        func find(_ index: Int) -> Int {
            var index = index
            while group[index] != index { group[index] = group[group[index]]; index = group[index] }
            return index
        }
        func join(_ a: Int, _ b: Int) { group[find(a)] = find(b) }
        let slash = UInt8(ascii: "/")
        func holds(_ outer: [UInt8], _ inner: [UInt8]) -> Bool {
            inner.starts(with: outer == [slash] ? outer : outer + [slash])
        }

        let holdsRoot = { (path: [UInt8]) in rootPath.map { $0 == path || holds(path, $0) } ?? false }

        var alone: Set<Int> = []
        var byIdentity: [Identity: Int] = [:], byPath: [[UInt8]: Int] = [:]
        for (index, folder) in folders.enumerated() {
            if folder.identity == root || folder.realPath.map(holdsRoot) == true {
                alone.insert(index) // would hold every customer
                continue
            }
            if let other = byIdentity.updateValue(index, forKey: folder.identity) { join(index, other) }
            if let real = folder.realPath, let other = byPath.updateValue(index, forKey: real) { join(index, other) }
        }
        // The nearest folder holding a path's parent, by parent: every plain folder of the root
        // shares one parent, so its ancestors are looked up once, not once per folder.
        var holderOfParent: [[UInt8]: Int?] = [:]
        for (index, folder) in folders.enumerated() where !alone.contains(index) {
            guard let real = folder.realPath, let parent = parent(of: real) else { continue }
            let holder = holderOfParent[parent] ?? {
                let found = ([parent] + ancestors(of: parent)).lazy.compactMap { byPath[$0] }.first
                holderOfParent[parent] = .some(found)
                return found
            }()
            if let holder { join(index, holder) }
        }
        var members: [Int: [Int]] = [:]
        for index in folders.indices where !alone.contains(index) { members[find(index), default: []].append(index) }
        var refused = alone.sorted().map { [folders[$0].customer] }
        var customers: [CustomerID] = []
        for indices in members.values {
            let folder = folders[indices[0]]
            if indices.count > 1 {
                refused.append(indices.map { folders[$0].customer })
            } else if folder.isLink, let rootPath, let real = folder.realPath, holds(rootPath, real) {
                refused.append([folder.customer]) // a link into the root that reaches no customer folder
            } else {
                customers.append(folder.customer)
            }
        }
        let ordered = { (a: CustomerID, b: CustomerID) in a.bytes.lexicographicallyPrecedes(b.bytes) }
        let aliases = refused.map { SourceAlias(names: $0.sorted(by: ordered)) }.sorted { ordered($0.names[0], $1.names[0]) }
        return Listing(customers: customers.sorted(by: ordered), aliases: aliases, skipped: skipped)
    }

    /// The proper ancestors of an absolute path, nearest first, "/" last.
    private static func ancestors(of path: [UInt8]) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var current = path
        while let next = parent(of: current) {
            result.append(next)
            current = next
        }
        return result
    }

    /// The folder holding an absolute path; nil for "/".
    private static func parent(of path: [UInt8]) -> [UInt8]? {
        guard path.count > 1, let slash = path.lastIndex(of: UInt8(ascii: "/")) else { return nil }
        return slash == 0 ? [UInt8(ascii: "/")] : Array(path[..<slash])
    }

    private var display: String { String(decoding: path, as: UTF8.self) }
}

extension SourceRoot {
    /// A folder on a file system: device and inode.
    struct Identity: Hashable {
        let device: UInt64
        let inode: UInt64
        init(_ info: stat) {
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
        }
    }

    /// One folder entry of the root, as listed.
    struct Folder {
        let customer: CustomerID
        /// What the name reaches (symbolic links followed).
        let identity: Identity
        /// Whether the entry itself is a symbolic link.
        let isLink: Bool
        /// The folder's real path (realpath(3)); nil if it could not be resolved.
        let realPath: [UInt8]?
    }
}
