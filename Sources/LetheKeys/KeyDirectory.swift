import Foundation
import LetheCore
import LetheCrypto

/// A folder holding key-encryption keys, one file per epoch (`kek-000001.key`, 32 bytes, mode 0600).
///
/// The primary key directory lives in the home; mirrors may live elsewhere (another disk, a
/// mounted vault). Every directory holds the same epochs: a KEK is written to all before it is
/// used, and destroyed in all (overwritten, synced, removed) when its epoch ends. Each carries a
/// `CACHEDIR.TAG` so host backups leave it out.
public struct KeyDirectory: Sendable, Equatable {
    /// Where the key files are.
    public let url: URL
    let folder: EpochFolder

    public init(url: URL) {
        self.url = url
        folder = EpochFolder(url: url, kind: .keys)
    }

    /// Creates the folder (mode 0700) if it is missing, tagged `CACHEDIR.TAG`.
    public func create() throws { try folder.create() }

    /// The epochs whose key files are present, ascending.
    public func epochs() throws -> [Int] { try folder.epochs() }

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

    /// Destroys the KEK of `epoch`: overwrites the file with zeros, syncs, removes it, syncs the folder.
    public func destroyKey(epoch: Int) throws { try folder.destroy(epoch: epoch) }

    /// Destroys key files a rotation that died left half-written (`.tmp-kek-…`); returns how many.
    @discardableResult
    public func destroyTemporaries() throws -> Int { try folder.destroyTemporaries() }
}
