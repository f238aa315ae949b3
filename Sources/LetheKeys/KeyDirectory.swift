import Foundation
import LetheCore
import LetheCrypto

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

    /// Writes the KEK of `epoch` durably: temporary file, fsync, rename, fsync the folder.
    public func writeKey(_ key: SecretKey, epoch: Int) throws {
        try key.withUnsafeBytes { try folder.write($0, epoch: epoch) }
    }
}
