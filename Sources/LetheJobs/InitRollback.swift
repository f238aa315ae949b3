import Foundation
import LetheCore
import LetheS3

/// What `init` created outside the home (folders, files added to folders that existed, a
/// bucket), so that a failed init takes back exactly that and never what existed before.
final class InitRollback {
    /// Folders init created, the topmost new one of each path: removed whole.
    private var createdFolders: [URL] = []
    /// Key and escrow folders that existed, with the entries they held: only entries added since
    /// are removed (only Lethe writes in such a folder).
    private var existingFolders: [(folder: URL, entries: Set<String>)] = []
    /// Files init wrote outside any folder above (the generated recovery private key).
    private var createdFiles: [URL] = []
    /// The bucket init created, deleted on rollback.
    private var createdBucket: S3ObjectStore?

    /// Makes sure `folder` exists: creates it (mode 0700, parents too) and remembers the topmost
    /// folder it created; or, when it exists and `ownEntries` (a key or escrow directory, where
    /// only Lethe writes), remembers what it holds now, so that what init adds can be taken back.
    /// Other folders that exist (the home's parent, a store) are left alone: init adds nothing there.
    ///
    /// - Throws: `JobError.failed` naming the folder when it cannot be created.
    func prepare(_ folder: URL, ownEntries: Bool = false) throws {
        let fileManager = FileManager.default
        if let entries = try? fileManager.contentsOfDirectory(atPath: folder.path) {
            if ownEntries { existingFolders.append((folder, Set(entries))) }
            return
        }
        var topmost = folder
        while !fileManager.fileExists(atPath: topmost.deletingLastPathComponent().path), topmost.path != "/" {
            topmost = topmost.deletingLastPathComponent()
        }
        do {
            try fileManager.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw JobError.failed("cannot create the folder \(folder.path) (\(error.localizedDescription)): nothing was created")
        }
        createdFolders.append(topmost)
    }

    /// Remembers a file init wrote, to remove it on rollback.
    func created(file: URL) { createdFiles.append(file) }

    /// Remembers a bucket init created, to delete it on rollback.
    func created(bucket store: S3ObjectStore) { createdBucket = store }

    /// Takes back everything remembered, newest first, as far as it can; returns what could not
    /// be taken back (for the error message).
    func rollBack() -> [String] {
        var left: [String] = []
        let fileManager = FileManager.default
        for (folder, entries) in existingFolders.reversed() {
            let now = (try? fileManager.contentsOfDirectory(atPath: folder.path)) ?? []
            for name in now where !entries.contains(name) {
                let entry = folder.appendingPathComponent(name)
                if (try? fileManager.removeItem(at: entry)) == nil { left.append(entry.path) }
            }
            try? DurableFile.syncDirectory(folder)
        }
        for folder in createdFolders.reversed() {
            if (try? fileManager.removeItem(at: folder)) == nil, fileManager.fileExists(atPath: folder.path) { left.append(folder.path) }
            try? DurableFile.syncDirectory(folder.deletingLastPathComponent())
        }
        for file in createdFiles.reversed() {
            if (try? fileManager.removeItem(at: file)) == nil, fileManager.fileExists(atPath: file.path) { left.append(file.path) }
        }
        if let bucket = createdBucket {
            do { try bucket.deleteBucket() } catch { left.append("the bucket \(bucket.configuration.bucket) (\(error))") }
        }
        return left
    }
}
