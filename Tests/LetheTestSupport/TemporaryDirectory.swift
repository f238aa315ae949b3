import Foundation

/// A fresh, private directory under the system's temporary directory, removed on `remove()` or deinit.
public final class TemporaryDirectory: @unchecked Sendable {
    /// The directory's location.
    public let url: URL

    /// Creates a uniquely named directory (mode 0700) whose name starts with `prefix`.
    ///
    /// - Throws: the file system's error if the directory cannot be created.
    public init(prefix: String = "lethe-test") throws {
        let base = FileManager.default.temporaryDirectory
        url = base.appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o700])
    }

    /// The path of the directory.
    public var path: String { url.path }

    /// Removes the directory and everything in it; safe to call more than once.
    public func remove() {
        try? FileManager.default.removeItem(at: url)
    }

    deinit { remove() }
}
