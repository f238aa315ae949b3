import Foundation
import LetheCore
import LetheCrypto

/// The files of an ``EpochDirectory``, one per KEK epoch (`kek-000001.key`, `kek-000001.sealed`):
/// what key directories and escrow directories share: durable writes, destruction by
/// overwriting, the `CACHEDIR.TAG` that keeps the folder out of host backups, and the clean-up
/// of temporaries.
struct EpochFolder: Sendable, Equatable {
    let url: URL
    let kind: EpochFileKind

    /// Creates the folder (mode 0700) if it is missing, tagged `CACHEDIR.TAG`.
    func create() throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw kind.unavailable(url.path, "cannot create it")
        }
        tagToBeLeftOutOfBackups()
    }

    /// The Cache Directory Tagging Specification's file: restic (`--exclude-caches`), Borg
    /// (`--exclude-caches`) and GNU tar (`--exclude-caches-all`) leave a folder holding it out of
    /// host backups, so a backup of the home is not a complete pre-shred key set.
    static let cacheTag = """
        Signature: 8a477f597d28d172789f06886806bc55
        # This file marks a Lethe key or escrow directory. Keys must stay out of host backups: a
        # backup taken before a shred would hold the key that erased customer's data opens with.

        """

    /// Writes `CACHEDIR.TAG` if it is missing (at creation, and at every rotation, so folders
    /// of homes made before the tag existed get it too). Best effort: the tag protects nothing
    /// by itself, and a folder that cannot take it fails on the key file next anyway.
    func tagToBeLeftOutOfBackups() {
        let tag = url.appendingPathComponent("CACHEDIR.TAG")
        guard !FileManager.default.fileExists(atPath: tag.path) else { return }
        try? Data(Self.cacheTag.utf8).write(to: tag)
    }

    /// The epochs whose files are present, ascending.
    func epochs() throws -> [Int] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: url.path) else {
            throw kind.unavailable(url.path, "cannot read it")
        }
        return names.compactMap(epoch(fromFileName:)).sorted()
    }

    /// Writes `bytes` as the file of `epoch` durably (`DurableFile.publish`: temporary file, fsync, rename, fsync the folder).
    func write(_ bytes: UnsafeRawBufferPointer, epoch: Int) throws {
        tagToBeLeftOutOfBackups()
        let final = fileURL(epoch: epoch)
        let temporaryName = Self.temporaryPrefix + final.lastPathComponent
        let temporary = url.appendingPathComponent(temporaryName)
        do {
            // A rotation that died mid-write may have left this temporary (never used): replace it.
            try destroyFile(temporary)
            try DurableFile.publish(final, .replace, mode: 0o600, temporaryName: temporaryName) { try $0.write(bytes) }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw kind.unavailable(url.path, "cannot write a \(kind.fileExtension) file")
        }
    }

    /// Destroys the file of `epoch`: overwrites it with zeros, syncs, removes it, syncs the folder.
    func destroy(epoch: Int) throws {
        do {
            try destroyFile(fileURL(epoch: epoch))
        } catch {
            throw kind.unavailable(url.path, "cannot destroy an old \(kind.fileExtension) file")
        }
    }

    /// Destroys files a rotation that died left half-written (`.tmp-kek-…`); returns how many.
    @discardableResult
    func destroyTemporaries() throws -> Int {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: url.path) else {
            throw kind.unavailable(url.path, "cannot read it")
        }
        var destroyed = 0
        for name in names where name.hasPrefix(Self.temporaryPrefix + "kek-") {
            do {
                try destroyFile(url.appendingPathComponent(name))
            } catch {
                throw kind.unavailable(url.path, "cannot destroy a half-written \(kind.fileExtension) file")
            }
            destroyed += 1
        }
        return destroyed
    }

    /// Overwrites a file with zeros (its length), syncs, removes it and syncs the folder; nothing if absent.
    private func destroyFile(_ file: URL) throws {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: file.path) else { return }
        let size = max(SecretKey.byteCount, (attributes[.size] as? Int) ?? 0)
        let zeros = [UInt8](repeating: 0, count: size)
        try zeros.withUnsafeBytes { try DurableFile.overwrite(file, with: $0) }
        try DurableFile.remove(file)
    }

    static let temporaryPrefix = ".tmp-"

    func fileURL(epoch: Int) -> URL {
        url.appendingPathComponent(String(format: "kek-%06d.", epoch) + kind.fileExtension)
    }

    func epoch(fromFileName name: String) -> Int? {
        let suffix = "." + kind.fileExtension
        guard name.hasPrefix("kek-"), name.hasSuffix(suffix) else { return nil }
        return Int(name.dropFirst(4).dropLast(suffix.count))
    }
}
