import Foundation
import LetheCore
import LetheCrypto
#if canImport(Glibc)
import Glibc
#endif

/// A folder holding key-encryption keys, one file per epoch (`kek-000001.key`, 32 bytes, mode 0600).
///
/// The primary key directory lives in the home; mirrors may live elsewhere (another disk, a
/// mounted vault). Every directory holds the same epochs: a KEK is written to all before it is
/// used, and destroyed in all (overwritten, synced, removed) when its epoch ends. Each carries a
/// `CACHEDIR.TAG` so host backups leave it out.
public struct KeyDirectory: EpochDirectory {
    /// Where the key files are.
    public let url: URL
    /// Key files (`.key`).
    public static let fileKind = EpochFileKind.keys

    /// The key directory at `url`.
    public init(url: URL) { self.url = url }

    /// Reads the KEK of `epoch`, straight into the key's locked memory (no `Data` copy).
    public func readKey(epoch: Int) throws -> SecretKey {
        do {
            return try SecretKey.read(keyFile: folder.fileURL(epoch: epoch).path)
        } catch CryptoError.keyFileUnreadable {
            throw KeyStoreError.kekMissing(epoch: epoch, directory: url.path)
        } catch {
            throw KeyStoreError.kekCorrupt(epoch: epoch, directory: url.path)
        }
    }

    /// What a key directory yields for an epoch: the key, or what is wrong there.
    enum Lookup {
        case found(SecretKey)
        case problem(KeyDirectoryProblem)
    }

    /// The KEK of `epoch` if this directory holds it and it is the key whose fingerprint is
    /// `kekID`; otherwise what is wrong here (the folder missing or unreadable, no key file, a
    /// key file that cannot be read, or one that is not that key).
    func currentKey(epoch: Int, kekID: String) -> Lookup {
        if let problem = folderProblem() { return .problem(problem) }
        let file = folder.fileURL(epoch: epoch)
        let key: SecretKey
        do {
            key = try SecretKey.read(keyFile: file.path)
        } catch CryptoError.keyFileUnreadable(_, let reason) {
            var info = stat()
            return .problem(lstat(file.path, &info) == 0 ? .keyUnreadable(epoch: epoch, reason: reason) : .noCurrentKey(epoch: epoch))
        } catch {
            return .problem(.wrongKey(epoch: epoch))
        }
        return key.id.rawValue == kekID ? .found(key) : .problem(.wrongKey(epoch: epoch))
    }

    /// Why the folder cannot be listed, or nil when it can: `missing` when it (or a folder above
    /// it) does not exist, else `unreadable` with the system's reason.
    func folderProblem() -> KeyDirectoryProblem? {
        var info = stat()
        guard stat(url.path, &info) == 0 else {
            let code = errno
            return code == ENOENT ? .missing : .unreadable(String(cString: strerror(code)))
        }
        guard info.st_mode & S_IFMT == S_IFDIR else { return .unreadable(String(cString: strerror(ENOTDIR))) }
        guard let listing = opendir(url.path) else { return .unreadable(String(cString: strerror(errno))) }
        closedir(listing)
        return nil
    }

    /// Writes the KEK of `epoch` durably: temporary file, fsync, rename, fsync the folder.
    public func writeKey(_ key: SecretKey, epoch: Int) throws {
        try key.withUnsafeBytes { try folder.write($0, epoch: epoch) }
    }
}
