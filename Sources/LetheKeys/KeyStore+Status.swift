import Foundation
import GRDB
import LetheCore
import LetheCrypto

/// The health of one key directory.
public struct KeyDirectoryStatus: Sendable, Encodable, Equatable {
    /// Where it is.
    public let path: String
    /// True if its contents can be listed.
    public let readable: Bool
    /// True if it holds the current epoch's KEK and that file is the key the store expects.
    public let holdsCurrentEpoch: Bool
    /// Key files of any other epoch still present (old ones a rotation owes, or a stray new one).
    public let otherEpochs: [Int]
    /// What is wrong with it, or nil (`problem`, absent then): the first of missing, unreadable,
    /// no current key, an unreadable or wrong key file, old key files.
    public let problem: KeyDirectoryProblem?
    /// True when the directory is readable, holds the current KEK, and nothing else (`healthy`).
    public let isHealthy: Bool

    enum CodingKeys: String, CodingKey {
        case path, readable, holdsCurrentEpoch = "holds_current_epoch", otherEpochs = "other_epochs", problem, isHealthy = "healthy"
    }

    /// The health of `directory` at `epoch`, whose KEK has the fingerprint `kekID`.
    init(_ directory: KeyDirectory, epoch: Int, kekID: String) {
        path = directory.url.path
        let epochs = try? directory.epochs()
        readable = epochs != nil
        otherEpochs = (epochs ?? []).filter { $0 != epoch }
        switch directory.currentKey(epoch: epoch, kekID: kekID) {
        case .found:
            holdsCurrentEpoch = true
            problem = otherEpochs.isEmpty ? nil : .otherEpochs(otherEpochs)
        case .problem(let found):
            holdsCurrentEpoch = false
            problem = found
        }
        isHealthy = problem == nil
    }
}

/// What `lethe keys status` shows: the current epoch, every key directory, what is owed.
public struct KeyStoreStatus: Sendable, Encodable, Equatable {
    /// The current KEK epoch.
    public let epoch: Int
    /// The current KEK's fingerprint (compare it with the escrowed one).
    public let kekID: String
    /// Every key directory, the primary first.
    public let directories: [KeyDirectoryStatus]
    /// Why a rotation is owed, or nil (`null`).
    @NullWhenAbsent public private(set) var owedRotation: String?
    /// Shreds whose copies are not yet recorded in the catalog.
    public let pendingShreds: Int
    /// Customers with a key.
    public let customers: Int
    /// Customers shredded so far.
    public let shreddedCustomers: Int
    /// Expiry keys still alive.
    public let expiryKeys: Int
    /// The report-signing key's public half as `minisign -P` takes it ("RW…"), nil while none
    /// exists: hand it to the auditor once, out of band.
    public let signingPublicKey: String?
    /// The signing key's id as minisign prints it (16 hex digits), named in every report.
    public let signingKeyID: String?
    /// The sealed escrow, or nil (`null`) when none is set up (`init --recovery-key-out`/`--escrow-dir`).
    @NullWhenAbsent public private(set) var escrow: SealedEscrowStatus?
    /// True when nothing is owed and every directory is healthy (`healthy`).
    public let isHealthy: Bool

    enum CodingKeys: String, CodingKey {
        case epoch, kekID = "kek_id", directories, owedRotation = "owed_rotation", pendingShreds = "pending_shreds"
        case customers, shreddedCustomers = "shredded_customers", expiryKeys = "expiry_keys", isHealthy = "healthy"
        case signingPublicKey = "signing_public_key", signingKeyID = "signing_key_id", escrow
    }

    init(epoch: Int, kekID: String, directories: [KeyDirectoryStatus], owedRotation: String?, pendingShreds: Int,
         customers: Int, shreddedCustomers: Int, expiryKeys: Int, signingPublicKey: String?, signingKeyID: String?,
         escrow: SealedEscrowStatus?) {
        (self.epoch, self.kekID, self.directories, self.owedRotation) = (epoch, kekID, directories, owedRotation)
        (self.pendingShreds, self.customers, self.shreddedCustomers, self.expiryKeys) = (pendingShreds, customers, shreddedCustomers, expiryKeys)
        (self.signingPublicKey, self.signingKeyID, self.escrow) = (signingPublicKey, signingKeyID, escrow)
        isHealthy = owedRotation == nil && pendingShreds == 0 && directories.allSatisfy(\.isHealthy) && escrow?.isCurrent != false
    }
}

extension KeyStore {
    /// The state of the key hierarchy, checking every key directory.
    public func status() throws -> KeyStoreStatus {
        let directories = try directoryStatuses()
        let epoch = state.epoch
        let expected = state.kek
        let counts = try read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM customers") ?? 0,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM shredded") ?? 0,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM shredded WHERE pending_pseudonym IS NOT NULL") ?? 0,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM expiry_keys WHERE wrapped IS NOT NULL") ?? 0)
        }
        let signing = try signingKey()
        return KeyStoreStatus(epoch: epoch, kekID: expected.id.rawValue, directories: directories, owedRotation: try owedRotation(),
                              pendingShreds: counts.2, customers: counts.0, shreddedCustomers: counts.1, expiryKeys: counts.3,
                              signingPublicKey: signing.map(Minisign.publicKey), signingKeyID: signing.map(Minisign.keyIDHex),
                              escrow: escrow?.status(epoch: epoch))
    }

    /// Every key directory's health at the current epoch, the primary first (what `status()`
    /// lists), without the rest of the status.
    public func directoryStatuses() throws -> [KeyDirectoryStatus] {
        try loadCurrentKEK()
        let (epoch, kekID) = (state.epoch, state.kek.id.rawValue)
        return directories.map { KeyDirectoryStatus($0, epoch: epoch, kekID: kekID) }
    }

    /// The current epoch and its KEK, for `lethe keys escrow --raw`: the one place a KEK leaves the
    /// key directories on purpose. An escrowed KEK is stale after the next rotation (every
    /// shred rotates) and must then be replaced.
    public func currentKEKForEscrow() throws -> (epoch: Int, key: SecretKey) {
        try loadCurrentKEK()
        return (state.epoch, state.kek)
    }
}
