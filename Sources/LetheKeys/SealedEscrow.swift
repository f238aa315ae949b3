import Foundation
import LetheCrypto

/// Where a key store seals each new KEK: the recovery public key and the escrow directories.
///
/// Set up at `init` (`--recovery-public-key` or `--recovery-key-out`, `--escrow-dir`); a key
/// store without one has no sealed escrow.
public struct SealedEscrow: Sendable, Equatable {
    /// The public key every KEK is sealed to; its private half is kept offline.
    public let recipient: RecoveryPublicKey
    /// The escrow directories (another disk, a mounted vault).
    public let directories: [EscrowDirectory]

    public init(recipient: RecoveryPublicKey, directories: [EscrowDirectory]) {
        self.recipient = recipient
        self.directories = directories
    }

    /// Seals `kek` into every escrow directory, before its epoch commits. A missing directory is
    /// not created (an unmounted vault must not fill its mount point): it stops the rotation.
    ///
    /// - Throws: `escrowDirectoryUnavailable` at the first directory that cannot take it.
    func write(_ kek: SecretKey, epoch: Int) throws {
        for directory in directories {
            try directory.write(kek, epoch: epoch, sealedTo: recipient)
        }
    }

    /// The sealed KEK of `preferred` (the key store's epoch) if an escrow directory holds it,
    /// else the newest one found (a stray newer file left by a rotation that died before its
    /// commit is passed over), opened with `key`.
    ///
    /// - Returns: its epoch, the KEK and the file it came from.
    /// - Throws: `escrowDirectoryUnavailable` when no escrow directory holds a sealed file;
    ///   `sealedEscrowInvalid` if the chosen file does not open with `key`.
    public func open(preferring preferred: Int?, with key: RecoveryPrivateKey) throws -> (epoch: Int, kek: SecretKey, file: String) {
        let found = directories.flatMap { directory in ((try? directory.epochs()) ?? []).map { ($0, directory) } }
        guard let (epoch, directory) = found.first(where: { $0.0 == preferred }) ?? found.max(by: { $0.0 < $1.0 }) else {
            throw KeyStoreError.escrowDirectoryUnavailable(directories.map(\.url.path).joined(separator: ", "),
                                                           reason: "no sealed escrow is there")
        }
        return (epoch, try directory.open(epoch: epoch, with: key), directory.folder.fileURL(epoch: epoch).path)
    }

    /// Opens a sealed escrow file given by path (a copy kept elsewhere), with `key`.
    ///
    /// - Returns: the epoch its header records and the KEK.
    /// - Throws: `sealedEscrowInvalid`, or `escrowDirectoryUnavailable` if it cannot be read.
    public static func open(file url: URL, with key: RecoveryPrivateKey) throws -> (epoch: Int, kek: SecretKey) {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw KeyStoreError.sealedEscrowInvalid(url.path, reason: "cannot read it")
        }
        let bytes = [UInt8](data)
        let kek = try EscrowDirectory.open(bytes, file: url.path, epoch: nil, with: key)
        return (EscrowDirectory.epoch(of: bytes), kek)
    }
}
