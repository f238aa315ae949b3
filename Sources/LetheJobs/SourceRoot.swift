import Foundation
import LetheCore
#if canImport(Glibc)
import Glibc
#endif

/// The source root: one folder per customer, the folder's name (its exact bytes) being the
/// customer id.
///
/// Listed with `readdir`, never through `FileManager` or `String`: a name that is not UTF-8
/// is still a customer, and names that differ only in Unicode normalisation stay apart.
struct SourceRoot {
    /// The root's path as bytes.
    let path: [UInt8]

    init(_ url: URL) {
        var path = Array(url.path.utf8)
        while path.count > 1, path.last == UInt8(ascii: "/") { path.removeLast() }
        self.path = path
    }

    /// Every customer: each entry of the root that is a folder (or a symbolic link to one),
    /// sorted by name bytes. Other entries are ignored.
    ///
    /// - Throws: `JobError.failed` when the root cannot be listed.
    func customers() throws -> [CustomerID] {
        let fd = withCPath(path) { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0, let directory = fdopendir(fd) else {
            let reason = String(cString: strerror(errno))
            if fd >= 0 { close(fd) }
            throw JobError.failed("cannot read the source root \(String(decoding: path, as: UTF8.self)) (\(reason)): check that it exists and is readable")
        }
        defer { closedir(directory) }
        var customers: [CustomerID] = []
        while true {
            errno = 0
            guard let item = readdir(directory) else {
                if errno != 0 {
                    throw JobError.failed("cannot read the source root \(String(decoding: path, as: UTF8.self)) (\(String(cString: strerror(errno))))")
                }
                break
            }
            let name = withUnsafeBytes(of: item.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            guard let customer = CustomerID(bytes: name) else { continue } // "." and ".."
            var info = stat()
            // Follows a symbolic link, as the packer does; an entry that vanished is skipped.
            guard withCPath(name, { fstatat(dirfd(directory), $0, &info, 0) }) == 0,
                  (info.st_mode & S_IFMT) == S_IFDIR else { continue }
            customers.append(customer)
        }
        return customers.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }
    }

    /// The path of a customer's folder, as bytes.
    func folder(of customer: CustomerID) -> [UInt8] { path + [UInt8(ascii: "/")] + customer.bytes }

    private func withCPath<R>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        (bytes.map { CChar(bitPattern: $0) } + [0]).withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
