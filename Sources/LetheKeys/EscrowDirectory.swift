import Foundation
import LetheCore
import LetheCrypto

/// A folder holding the current KEK sealed to the recovery public key (`kek-000001.sealed`).
///
/// Every rotation writes the new epoch's sealed KEK here before the epoch commits and destroys
/// the previous one after, so an escrow directory holds only what opens the current key store:
/// recovery without bringing back what a shred erased. It witnesses the newest epoch like a key
/// directory (`newest-epoch`) and carries a `CACHEDIR.TAG`.
///
/// A sealed file is 112 bytes: the magic `LTHSEAL1` (8), the epoch (8, big-endian), the
/// recovery public key's fingerprint (16 bytes), then `crypto_box_seal` of the KEK (80). The
/// header is not authenticated (sealing is anonymous): recovery checks the KEK it opens against
/// the key store's fingerprint.
public struct EscrowDirectory: EpochDirectory {
    /// Where the sealed files are.
    public let url: URL
    /// Sealed KEKs (`.sealed`).
    public static let fileKind = EpochFileKind.sealedEscrow

    /// The escrow directory at `url`.
    public init(url: URL) { self.url = url }

    static let magic = Array("LTHSEAL1".utf8)
    static let fingerprintCount = 16
    static let fileByteCount = magic.count + 8 + fingerprintCount + RecoveryPublicKey.sealedByteCount

    /// Seals `kek` to `recipient` and writes it as the file of `epoch`, durably.
    public func write(_ kek: SecretKey, epoch: Int, sealedTo recipient: RecoveryPublicKey) throws {
        var bytes = Self.magic
        withUnsafeBytes(of: UInt64(epoch).bigEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: recipient.fingerprintBytes)
        bytes.append(contentsOf: recipient.seal(kek))
        try bytes.withUnsafeBytes { try folder.write($0, epoch: epoch) }
    }

    /// Reads the sealed file of `epoch` and opens it with `key`.
    ///
    /// - Throws: `escrowDirectoryUnavailable` if it cannot be read; `sealedEscrowInvalid` if it
    ///   is not a sealed escrow of that epoch, was sealed to another recovery key, or was altered.
    public func open(epoch: Int, with key: RecoveryPrivateKey) throws -> SecretKey {
        let file = folder.fileURL(epoch: epoch)
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw KeyStoreError.escrowDirectoryUnavailable(url.path, reason: "cannot read \(file.lastPathComponent)")
        }
        return try Self.open([UInt8](data), file: file.path, epoch: epoch, with: key)
    }

    /// Opens the bytes of a sealed file (`file` names it in errors); `epoch`, if given, must be
    /// the one in its header.
    ///
    /// - Returns: the KEK and the epoch the header records.
    static func open(_ bytes: [UInt8], file: String, epoch expected: Int?, with key: RecoveryPrivateKey) throws -> SecretKey {
        guard bytes.count == fileByteCount, Array(bytes.prefix(magic.count)) == magic else {
            throw KeyStoreError.sealedEscrowInvalid(file, reason: "it is not a sealed escrow (\(fileByteCount) bytes starting LTHSEAL1)")
        }
        if let expected, epoch(of: bytes) != expected {
            throw KeyStoreError.sealedEscrowInvalid(file, reason: "its header says epoch \(epoch(of: bytes)), its name epoch \(expected)")
        }
        let fingerprintStart = magic.count + 8
        guard Array(bytes[fingerprintStart..<fingerprintStart + fingerprintCount]) == key.publicKey.fingerprintBytes else {
            throw KeyStoreError.sealedEscrowInvalid(file, reason: "it was sealed to another recovery key than the one given")
        }
        do {
            return try key.open(Array(bytes[(fingerprintStart + fingerprintCount)...]))
        } catch {
            throw KeyStoreError.sealedEscrowInvalid(file, reason: "it does not open with the recovery key: it was altered")
        }
    }

    /// The epoch a sealed file's header records.
    static func epoch(of bytes: [UInt8]) -> Int {
        Int(truncatingIfNeeded: bytes[magic.count..<magic.count + 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    }
}
