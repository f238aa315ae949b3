import Foundation
import LetheCatalog
import LetheCore
import LetheCrypto
import LetheFormat
import LetheKeys
import LetheTar

/// Restores one customer from one copy into a new folder, safely.
///
/// Everything is read through the authenticated reader and extracted into a fresh private
/// staging folder beside the target; the staging folder becomes the target only after the
/// final tag and the manifest check pass. On any failure the target is left as it was.
public struct RestoreJob: Sendable {
    let home: Home

    public init(home: Home) { self.home = home }

    /// Restores `customer` from `set` (nil: the latest set holding a readable copy) into `target`.
    ///
    /// - Parameter from: the location to read; nil prefers local and falls back to the offsite
    ///   copy of the same archive when the local one is missing or fails authentication (into a
    ///   fresh staging folder; the outcome's `fallback` says why).
    /// - Throws: `invalidRequest` (exit 64) when `target` lies inside the source root (nothing
    ///   is written); otherwise as the copy, its reading and the target demand.
    public func run(customer: CustomerID, set: SetID?, from: Location?, to target: URL) throws -> RestoreOutcome {
        try PathContainment.refuseInsideSourceRoot(target, of: home, what: "restore target")
        let resolver = CopyResolver(home: home)
        let copy = try resolver.copy(of: customer, set: set, from: from)
        try checkTarget(target)
        let createdParents = try createParents(of: target)
        do {
            return try restore(copy, of: customer, resolver: resolver, from: from, to: target)
        } catch {
            removeEmpty(createdParents)
            throw error
        }
    }

    private func restore(_ found: CopyRecord, of customer: CustomerID, resolver: CopyResolver, from: Location?,
                         to target: URL) throws -> RestoreOutcome {
        let parent = target.deletingLastPathComponent()
        var staging: URL?
        defer { if let staging { try? FileManager.default.removeItem(at: staging) } }
        // Each attempt (a fallback to the offsite copy is a second one) extracts into a fresh
        // staging folder: the partial tree of a copy that failed half-way is removed first.
        let read = try resolver.read(found, pinned: from) { copy -> (report: UnpackReport, tree: URL) in
            if let used = staging { try? FileManager.default.removeItem(at: used) }
            let fresh = try makeStaging(in: parent)
            staging = fresh
            // Decrypting on one core while libarchive decompresses and writes on the other; a
            // differential's bases first, at the same location.
            let report = try CopyChain(home: home).unpack(copy, into: fresh) { try makeStaging(in: parent) }
            return (report, fresh)
        }
        // Erasure wins the race: a shred that landed while the archive streamed leaves nothing.
        // Checked before the promote, and again after it (a shred committed in between undoes it).
        try home.keys.refuseShredded(customer)
        try promote(read.value.tree, to: target)
        do {
            try home.keys.refuseShredded(customer)
        } catch {
            try? FileManager.default.removeItem(at: target)
            throw error
        }
        let copy = read.copy, report = read.value.report
        home.log.info("restore.done", ["pseudonym": copy.pseudonym.rawValue, "set": copy.setID.rawValue, "location": copy.location.rawValue])
        return RestoreOutcome(pseudonym: copy.pseudonym, set: copy.setID, location: copy.location, target: target.path,
                              files: report.files, directories: report.directories, symlinks: report.symlinks, bytes: report.bytes,
                              tables: report.tables == 0 ? nil : report.tables,
                              fallback: read.fallback, unreadableSkipped: report.unreadable.isEmpty ? nil : report.unreadable.count,
                              unreadablePaths: report.unreadable)
    }

    /// A new private (0700) staging folder in `parent`, under a random name.
    func makeStaging(in parent: URL) throws -> URL {
        let staging = parent.appendingPathComponent(".lethe-restore-" + RandomName.base32(count: 12))
        do {
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw JobError.failed("cannot create a staging folder in \(parent.path): check that it exists and is writable")
        }
        return staging
    }

    /// The target must not exist, or be an empty folder.
    func checkTarget(_ target: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: target.path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue, (try? FileManager.default.contentsOfDirectory(atPath: target.path))?.isEmpty == true else {
            throw JobError.targetNotEmpty(target.path)
        }
    }

    /// Creates the target's missing parent folders (mode 0700, each synced into its own parent),
    /// as `mkdir -p` would; returns the ones it created, outermost first.
    func createParents(of target: URL) throws -> [URL] {
        var missing: [URL] = []
        var folder = target.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.path), folder.path != "/" {
            missing.insert(folder, at: 0)
            folder = folder.deletingLastPathComponent()
        }
        var created: [URL] = []
        for folder in missing {
            guard mkdir(folder.path, 0o700) == 0 || errno == EEXIST else {
                let reason = String(cString: strerror(errno))
                removeEmpty(created)
                throw JobError.failed("cannot create the restore target's parent folder \(folder.path) (\(reason)): check the path and its permissions")
            }
            created.append(folder)
            try? DurableFile.syncDirectory(folder.deletingLastPathComponent())
        }
        return created
    }

    /// Removes folders this restore created, innermost first, if they are still empty.
    func removeEmpty(_ folders: [URL]) {
        for folder in folders.reversed() { rmdir(folder.path) }
    }

    /// Moves the verified tree into place with one rename.
    func promote(_ tree: URL, to target: URL) throws {
        if FileManager.default.fileExists(atPath: target.path) { try FileManager.default.removeItem(at: target) }
        do {
            try DurableFile.rename(tree, to: target)
        } catch {
            throw JobError.failed("cannot move the restored tree into \(target.path): \(error)")
        }
    }
}
