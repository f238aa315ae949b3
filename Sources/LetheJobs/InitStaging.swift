import Foundation
import LetheCore
#if canImport(Glibc)
import Glibc
#endif

/// The folder `init` builds a home in: `.NAME.init-RANDOM` beside the home (the same file
/// system), locked by the init building it (`init.lock`), renamed into place only once the home
/// is complete and checked. A crash leaves this folder, never a half home at the target; the
/// next init removes every such folder whose lock no process holds.
final class InitStaging {
    /// The staging folder.
    let url: URL
    /// The home it becomes.
    let home: URL
    /// Held while this init builds the folder.
    private var lock: RunLock?

    /// The prefix of the staging folders of `home`.
    static func prefix(of home: URL) -> String { ".\(home.lastPathComponent).init-" }

    /// Creates the staging folder (mode 0700) beside `home` and locks it.
    ///
    /// - Throws: `JobError.failed` when the folder cannot be created.
    init(home: URL) throws {
        self.home = home
        url = home.deletingLastPathComponent().appendingPathComponent(Self.prefix(of: home) + RandomName.base32(count: 8))
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        } catch {
            throw JobError.failed("cannot create the folder \(url.path) to build the home in (\(error.localizedDescription)): nothing was created")
        }
        lock = try RunLock(home: url, name: "init")
    }

    /// `path` with the home's place replaced by the staging folder's, when it lies in the home.
    func staged(_ path: URL) -> URL {
        let root = home.path
        guard path.path == root || path.path.hasPrefix(root + "/") else { return path }
        return URL(fileURLWithPath: url.path + path.path.dropFirst(root.count))
    }

    /// Renames the finished folder to the home (an empty folder there is replaced) and syncs the
    /// parent folder, then drops the init lock.
    ///
    /// - Throws: `homeExists` when a home (or anything) appeared at the target meanwhile.
    func publish() throws {
        try DurableFile.syncDirectory(url)
        do {
            try DurableFile.rename(url, to: home)
        } catch let error as DurableFileError where error.code == ENOTEMPTY || error.code == EEXIST || error.code == ENOTDIR {
            throw JobError.homeExists(home.path)
        }
        lock = nil
        try? FileManager.default.removeItem(at: home.appendingPathComponent("init.lock"))
    }

    /// Removes the folder (a failed init).
    func discard() {
        lock = nil
        try? FileManager.default.removeItem(at: url)
        try? DurableFile.syncDirectory(url.deletingLastPathComponent())
    }

    /// Removes the staging folders of `home` left by inits that died (their lock is free).
    static func removeAbandoned(beside home: URL) {
        let parent = home.deletingLastPathComponent()
        let prefix = prefix(of: home)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? [] where name.hasPrefix(prefix) {
            let folder = parent.appendingPathComponent(name)
            guard let held = try? RunLock(home: folder, name: "init") else { continue }
            try? FileManager.default.removeItem(at: folder)
            withExtendedLifetime(held) {}
        }
    }
}
