import Foundation

/// A folder of one file per KEK epoch (`kek-000001.key`, `kek-000001.sealed`): a key directory
/// or an escrow directory, which differ only in what their files hold.
///
/// The folder's own part (creating it, listing its epochs) comes with the protocol; what a file
/// holds is the conforming type's.
public protocol EpochDirectory: Sendable, Equatable {
    /// Where the files are.
    var url: URL { get }
    /// What the files hold: names them, and the error a failure becomes.
    static var fileKind: EpochFileKind { get }
}

extension EpochDirectory {
    /// Creates the folder (mode 0700) if it is missing, tagged `CACHEDIR.TAG`.
    public func create() throws { try folder.create() }

    /// The epochs whose files are present, ascending.
    public func epochs() throws -> [Int] { try folder.epochs() }

    /// The folder's files: durable writes, destruction, clean-up.
    var folder: EpochFolder { EpochFolder(url: url, kind: Self.fileKind) }
}

/// What the files of an ``EpochDirectory`` hold.
public enum EpochFileKind: Sendable, Equatable {
    /// Key-encryption keys (`.key`, 32 bytes).
    case keys
    /// KEKs sealed to the recovery public key (`.sealed`).
    case sealedEscrow

    var fileExtension: String { self == .keys ? "key" : "sealed" }

    func unavailable(_ path: String, _ reason: String) -> KeyStoreError {
        self == .keys ? .keyDirectoryUnavailable(path, reason: reason) : .escrowDirectoryUnavailable(path, reason: reason)
    }
}
