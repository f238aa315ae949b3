import Foundation
import LetheCore
import LetheCrypto

/// A folder holding key-encryption keys, one file per epoch (`kek-000001.key`, 32 bytes, mode 0600).
///
/// The primary key directory lives in the home; mirrors may live elsewhere (another disk, a
/// mounted vault). Every directory holds the same epochs: a KEK is written to all before it is
/// used, and destroyed in all (overwritten, synced, removed) when its epoch ends.
public struct KeyDirectory: Sendable, Equatable {
    /// Where the key files are.
    public let url: URL

    public init(url: URL) { self.url = url }

    /// Creates the folder (mode 0700) if it is missing, tagged `CACHEDIR.TAG`.
    public func create() throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw KeyStoreError.keyDirectoryUnavailable(url.path, reason: "cannot create it")
        }
        tagToBeLeftOutOfBackups()
    }

    /// The Cache Directory Tagging Specification's file: restic (`--exclude-caches`), Borg
    /// (`--exclude-caches`) and GNU tar (`--exclude-caches-all`) leave a folder holding it out of
    /// host backups, so a backup of the home is not a complete pre-shred key set.
    static let cacheTag = """
        Signature: 8a477f597d28d172789f06886806bc55
        # This file marks a Lethe key directory. Keys must stay out of host backups: a backup
        # taken before a shred would hold the key that erased customer's data still opens with.

        """

    /// Writes `CACHEDIR.TAG` if it is missing (at creation, and at every rotation, so folders
    /// of homes made before the tag existed get it too). Best effort: the tag protects nothing
    /// by itself, and a folder that cannot take it fails on the key file next anyway.
    func tagToBeLeftOutOfBackups() {
        let tag = url.appendingPathComponent("CACHEDIR.TAG")
        guard !FileManager.default.fileExists(atPath: tag.path) else { return }
        try? Data(Self.cacheTag.utf8).write(to: tag)
    }

    /// The epochs whose key files are present, ascending.
    public func epochs() throws -> [Int] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: url.path) else {
            throw KeyStoreError.keyDirectoryUnavailable(url.path, reason: "cannot read it")
        }
        return names.compactMap(Self.epoch(fromFileName:)).sorted()
    }

    /// Reads the KEK of `epoch`, straight into the key's locked memory (no `Data` copy).
    public func readKey(epoch: Int) throws -> SecretKey {
        do {
            return try SecretKey.read(keyFile: fileURL(epoch: epoch).path)
        } catch CryptoError.keyFileUnreadable {
            throw KeyStoreError.kekMissing(epoch: epoch, directory: url.path)
        } catch {
            throw KeyStoreError.kekCorrupt(epoch: epoch, directory: url.path)
        }
    }

    /// Writes the KEK of `epoch` durably: temporary file, fsync, rename, fsync the folder.
    public func writeKey(_ key: SecretKey, epoch: Int) throws {
        tagToBeLeftOutOfBackups()
        let final = fileURL(epoch: epoch)
        let temporary = url.appendingPathComponent(Self.temporaryPrefix + final.lastPathComponent)
        do {
            // A rotation that died mid-write may have left this temporary (never used): replace it.
            try destroyFile(temporary)
            try key.withUnsafeBytes { bytes in
                try DurableFile.write(bytes, to: temporary, mode: 0o600)
            }
            try DurableFile.rename(temporary, to: final)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw KeyStoreError.keyDirectoryUnavailable(url.path, reason: "cannot write a key file")
        }
    }

    /// Destroys the KEK of `epoch`: overwrites the file with zeros, syncs, removes it, syncs the folder.
    public func destroyKey(epoch: Int) throws {
        do {
            try destroyFile(fileURL(epoch: epoch))
        } catch {
            throw KeyStoreError.keyDirectoryUnavailable(url.path, reason: "cannot destroy an old key file")
        }
    }

    /// Destroys key files a rotation that died left half-written (`.tmp-kek-…`); returns how many.
    @discardableResult
    public func destroyTemporaries() throws -> Int {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: url.path) else {
            throw KeyStoreError.keyDirectoryUnavailable(url.path, reason: "cannot read it")
        }
        var destroyed = 0
        for name in names where name.hasPrefix(Self.temporaryPrefix + "kek-") {
            do {
                try destroyFile(url.appendingPathComponent(name))
            } catch {
                throw KeyStoreError.keyDirectoryUnavailable(url.path, reason: "cannot destroy a half-written key file")
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
        url.appendingPathComponent(String(format: "kek-%06d.key", epoch))
    }

    static func epoch(fromFileName name: String) -> Int? {
        guard name.hasPrefix("kek-"), name.hasSuffix(".key") else { return nil }
        return Int(name.dropFirst(4).dropLast(4))
    }
}
