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
        /// Names refused because they reach the same folder as another name, or a folder
        /// inside the root that is not a customer folder of its own.
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
    /// the folder it reaches by device and inode. Names that reach one folder together, or a
    /// symbolic link into the root that reaches no customer folder of its own, are refused
    /// (`aliases`); other entries (files, dangling links) are ignored.
    ///
    /// - Throws: `JobError.failed` when the root cannot be listed.
    func list() throws -> Listing {
        let fd = withCPath(path) { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
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
        let rootIdentity = Identity(rootInfo)
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
            guard withCPath(name, { fstatat(dirfd(directory), $0, &info, 0) }) == 0,
                  (info.st_mode & S_IFMT) == S_IFDIR else { continue }
            guard Self.isCustomerName(customer) else { skipped += 1; continue }
            let isLink = withCPath(name, { fstatat(dirfd(directory), $0, &linkInfo, AT_SYMLINK_NOFOLLOW) }) == 0
                && (linkInfo.st_mode & S_IFMT) == S_IFLNK
            folders.append(Folder(customer: customer, identity: Identity(info),
                                  inside: isLink ? Self.inside(rootPath, folder(of: customer)) : nil))
        }
        return Self.resolve(folders, root: rootIdentity, skipped: skipped)
    }

    /// The path of a customer's folder, as bytes.
    func folder(of customer: CustomerID) -> [UInt8] { path + [UInt8(ascii: "/")] + customer.bytes }

    /// Groups the folders by what they reach: a folder's own device and inode, or for a
    /// symbolic link into the root the top-level folder it leads into.
    static func resolve(_ folders: [Folder], root: Identity, skipped: Int) -> Listing {
        let byName = Dictionary(folders.map { ($0.customer.bytes, $0.identity) }, uniquingKeysWith: { first, _ in first })
        var groups: [Identity: [CustomerID]] = [:]
        var refused: [[CustomerID]] = []
        for folder in folders {
            var reaches = folder.identity
            if let inside = folder.inside {
                // A link into the root: into a customer folder, or else (the root itself, a
                // dot-folder) into nothing that is a customer of its own.
                guard let top = inside.first, let identity = byName[top] else { refused.append([folder.customer]); continue }
                reaches = identity
            }
            if reaches == root { refused.append([folder.customer]); continue }
            groups[reaches, default: []].append(folder.customer)
        }
        var customers: [CustomerID] = []
        for names in groups.values {
            if names.count == 1 { customers += names } else { refused.append(names) }
        }
        let ordered = { (a: CustomerID, b: CustomerID) in a.bytes.lexicographicallyPrecedes(b.bytes) }
        let aliases = refused.map { SourceAlias(names: $0.sorted(by: ordered)) }
            .sorted { ordered($0.names[0], $1.names[0]) }
        return Listing(customers: customers.sorted(by: ordered), aliases: aliases, skipped: skipped)
    }

    /// For a path that resolves inside the root (`root`, resolved): its components below the
    /// root (empty for the root itself); nil when it resolves elsewhere or cannot be resolved.
    private static func inside(_ root: [UInt8]?, _ entry: [UInt8]) -> [[UInt8]]? {
        guard let root, let resolved = PathContainment.realPath(entry) else { return nil }
        if resolved == root { return [] }
        let prefix = root == [UInt8(ascii: "/")] ? root : root + [UInt8(ascii: "/")]
        guard resolved.starts(with: prefix) else { return nil }
        return resolved.dropFirst(prefix.count).split(separator: UInt8(ascii: "/")).map(Array.init)
    }

    private var display: String { String(decoding: path, as: UTF8.self) }

    private func withCPath<R>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        (bytes.map { CChar(bitPattern: $0) } + [0]).withUnsafeBufferPointer { body($0.baseAddress!) }
    }
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
        /// For a symbolic link that resolves inside the root: the resolved path's components below it.
        let inside: [[UInt8]]?
    }
}
