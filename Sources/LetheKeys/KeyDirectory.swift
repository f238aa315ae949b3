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

    /// Creates the folder (mode 0700) if it is missing.
    public func create() throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw KeyStoreError.keyDirectoryUnavailable(url.path, reason: "cannot create it")
        }
    }

    /// The epochs whose key files are present, ascending.
    public func epochs() throws -> [Int] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: url.path) else {
            throw KeyStoreError.keyDirectoryUnavailable(url.path, reason: "cannot read it")
        }
        return names.compactMap(Self.epoch(fromFileName:)).sorted()
    }

    /// Reads the KEK of `epoch`.
    public func readKey(epoch: Int) throws -> SecretKey {
        let path = fileURL(epoch: epoch).path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KeyStoreError.kekMissing(epoch: epoch, directory: url.path)
        }
        guard data.count == SecretKey.byteCount, let key = try? SecretKey(copying: data) else {
            throw KeyStoreError.kekCorrupt(epoch: epoch, directory: url.path)
        }
        return key
    }

    /// Writes the KEK of `epoch` durably: temporary file, fsync, rename, fsync the folder.
    public func writeKey(_ key: SecretKey, epoch: Int) throws {
        let final = fileURL(epoch: epoch)
        let temporary = url.appendingPathComponent(".tmp-" + final.lastPathComponent)
        do {
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
        let file = fileURL(epoch: epoch)
        guard FileManager.default.fileExists(atPath: file.path) else { return }
        do {
            let zeros = [UInt8](repeating: 0, count: SecretKey.byteCount)
            try zeros.withUnsafeBytes { try DurableFile.overwrite(file, with: $0) }
            try DurableFile.remove(file)
        } catch {
            throw KeyStoreError.keyDirectoryUnavailable(url.path, reason: "cannot destroy an old key file")
        }
    }

    func fileURL(epoch: Int) -> URL {
        url.appendingPathComponent(String(format: "kek-%06d.key", epoch))
    }

    static func epoch(fromFileName name: String) -> Int? {
        guard name.hasPrefix("kek-"), name.hasSuffix(".key") else { return nil }
        return Int(name.dropFirst(4).dropLast(4))
    }
}
