import Foundation

/// What `keys status` shows of the sealed escrow: the recovery key and every escrow directory.
public struct SealedEscrowStatus: Sendable, Codable, Equatable {
    /// One escrow directory.
    public struct Directory: Sendable, Codable, Equatable {
        /// Where it is.
        public var path: String
        /// True if its contents can be listed.
        public var readable: Bool
        /// The newest epoch it holds a sealed KEK of, or nil.
        public var newestSealedEpoch: Int?
        /// True if it holds the current epoch's sealed KEK.
        public var holdsCurrentEpoch: Bool

        enum CodingKeys: String, CodingKey {
            case path, readable, newestSealedEpoch = "newest_sealed_epoch", holdsCurrentEpoch = "holds_current_epoch"
        }
    }

    /// The recovery public key's fingerprint (the private key file names it too).
    public var recoveryKeyFingerprint: String
    /// Every escrow directory.
    public var directories: [Directory]

    /// True when every escrow directory holds the current epoch's sealed KEK.
    public var isCurrent: Bool { directories.allSatisfy(\.holdsCurrentEpoch) }

    enum CodingKeys: String, CodingKey {
        case recoveryKeyFingerprint = "recovery_key_fingerprint", directories
    }
}

extension SealedEscrow {
    /// The state of every escrow directory, against the current `epoch`.
    func status(epoch: Int) -> SealedEscrowStatus {
        SealedEscrowStatus(recoveryKeyFingerprint: recipient.fingerprint, directories: directories.map { directory in
            let epochs = try? directory.epochs()
            return SealedEscrowStatus.Directory(path: directory.url.path, readable: epochs != nil,
                                                newestSealedEpoch: epochs?.last, holdsCurrentEpoch: epochs?.contains(epoch) ?? false)
        })
    }
}
