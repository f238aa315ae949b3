import Foundation
import GRDB
import LetheCore
import LetheCrypto

/// The health of one key directory.
public struct KeyDirectoryStatus: Sendable, Codable, Equatable {
    /// Where it is.
    public var path: String
    /// True if its contents can be listed.
    public var readable: Bool
    /// True if it holds the current epoch's KEK and that file is the key the store expects.
    public var holdsCurrentEpoch: Bool
    /// Key files of any other epoch still present (old ones a rotation owes, or a stray new one).
    public var otherEpochs: [Int]

    /// True when the directory is readable, holds the current KEK, and nothing else.
    public var isHealthy: Bool { readable && holdsCurrentEpoch && otherEpochs.isEmpty }

    enum CodingKeys: String, CodingKey {
        case path, readable, holdsCurrentEpoch = "holds_current_epoch", otherEpochs = "other_epochs", healthy
    }

    public init(path: String, readable: Bool, holdsCurrentEpoch: Bool, otherEpochs: [Int]) {
        self.path = path
        self.readable = readable
        self.holdsCurrentEpoch = holdsCurrentEpoch
        self.otherEpochs = otherEpochs
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(path: try container.decode(String.self, forKey: .path), readable: try container.decode(Bool.self, forKey: .readable),
                  holdsCurrentEpoch: try container.decode(Bool.self, forKey: .holdsCurrentEpoch),
                  otherEpochs: try container.decode([Int].self, forKey: .otherEpochs))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(path, forKey: .path)
        try container.encode(readable, forKey: .readable)
        try container.encode(holdsCurrentEpoch, forKey: .holdsCurrentEpoch)
        try container.encode(otherEpochs, forKey: .otherEpochs)
        try container.encode(isHealthy, forKey: .healthy)
    }
}

/// What `lethe keys status` shows: the current epoch, every key directory, what is owed.
public struct KeyStoreStatus: Sendable, Codable, Equatable {
    /// The current KEK epoch.
    public var epoch: Int
    /// The current KEK's fingerprint (compare it with the escrowed one).
    public var kekID: String
    /// Every key directory, the primary first.
    public var directories: [KeyDirectoryStatus]
    /// Why a rotation is owed, or nil.
    public var owedRotation: String?
    /// Shreds whose copies are not yet recorded in the catalog.
    public var pendingShreds: Int
    /// Customers with a key.
    public var customers: Int
    /// Customers shredded so far.
    public var shreddedCustomers: Int
    /// Expiry keys still alive.
    public var expiryKeys: Int
    /// The report-signing key's public half as `minisign -P` takes it ("RW…"), nil while none
    /// exists: hand it to the auditor once, out of band.
    public var signingPublicKey: String?
    /// The signing key's id as minisign prints it (16 hex digits), named in every report.
    public var signingKeyID: String?
    /// The sealed escrow, or nil when none is set up (`init --recovery-key-out`/`--escrow-dir`).
    public var escrow: SealedEscrowStatus?

    /// True when nothing is owed and every directory is healthy.
    public var isHealthy: Bool {
        owedRotation == nil && pendingShreds == 0 && directories.allSatisfy(\.isHealthy) && escrow?.isCurrent != false
    }

    enum CodingKeys: String, CodingKey {
        case epoch, kekID = "kek_id", directories, owedRotation = "owed_rotation", pendingShreds = "pending_shreds"
        case customers, shreddedCustomers = "shredded_customers", expiryKeys = "expiry_keys", healthy
        case signingPublicKey = "signing_public_key", signingKeyID = "signing_key_id", escrow
    }

    public init(epoch: Int, kekID: String, directories: [KeyDirectoryStatus], owedRotation: String?, pendingShreds: Int,
                customers: Int, shreddedCustomers: Int, expiryKeys: Int, signingPublicKey: String? = nil, signingKeyID: String? = nil,
                escrow: SealedEscrowStatus? = nil) {
        self.epoch = epoch
        self.kekID = kekID
        self.directories = directories
        self.owedRotation = owedRotation
        self.pendingShreds = pendingShreds
        self.customers = customers
        self.shreddedCustomers = shreddedCustomers
        self.expiryKeys = expiryKeys
        self.signingPublicKey = signingPublicKey
        self.signingKeyID = signingKeyID
        self.escrow = escrow
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(epoch: try c.decode(Int.self, forKey: .epoch), kekID: try c.decode(String.self, forKey: .kekID),
                  directories: try c.decode([KeyDirectoryStatus].self, forKey: .directories),
                  owedRotation: try c.decodeIfPresent(String.self, forKey: .owedRotation),
                  pendingShreds: try c.decode(Int.self, forKey: .pendingShreds), customers: try c.decode(Int.self, forKey: .customers),
                  shreddedCustomers: try c.decode(Int.self, forKey: .shreddedCustomers), expiryKeys: try c.decode(Int.self, forKey: .expiryKeys),
                  signingPublicKey: try c.decodeIfPresent(String.self, forKey: .signingPublicKey),
                  signingKeyID: try c.decodeIfPresent(String.self, forKey: .signingKeyID),
                  escrow: try c.decodeIfPresent(SealedEscrowStatus.self, forKey: .escrow))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(epoch, forKey: .epoch)
        try c.encode(kekID, forKey: .kekID)
        try c.encode(directories, forKey: .directories)
        try c.encode(owedRotation, forKey: .owedRotation)
        try c.encode(pendingShreds, forKey: .pendingShreds)
        try c.encode(customers, forKey: .customers)
        try c.encode(shreddedCustomers, forKey: .shreddedCustomers)
        try c.encode(expiryKeys, forKey: .expiryKeys)
        try c.encodeIfPresent(signingPublicKey, forKey: .signingPublicKey)
        try c.encodeIfPresent(signingKeyID, forKey: .signingKeyID)
        try c.encode(escrow, forKey: .escrow)
        try c.encode(isHealthy, forKey: .healthy)
    }
}

extension KeyStore {
    /// The state of the key hierarchy, checking every key directory.
    public func status() throws -> KeyStoreStatus {
        try loadCurrentKEK()
        let epoch = state.epoch
        let expected = state.kek
        let directories = self.directories.map { directory -> KeyDirectoryStatus in
            guard let epochs = try? directory.epochs() else {
                return KeyDirectoryStatus(path: directory.url.path, readable: false, holdsCurrentEpoch: false, otherEpochs: [])
            }
            let holds = epochs.contains(epoch) && (try? directory.readKey(epoch: epoch)) == expected
            return KeyDirectoryStatus(path: directory.url.path, readable: true, holdsCurrentEpoch: holds,
                                      otherEpochs: epochs.filter { $0 != epoch })
        }
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

    /// The current epoch and its KEK, for `lethe keys escrow --raw`: the one place a KEK leaves the
    /// key directories on purpose. An escrowed KEK is stale after the next rotation (every
    /// shred rotates) and must then be replaced.
    public func currentKEKForEscrow() throws -> (epoch: Int, key: SecretKey) {
        try loadCurrentKEK()
        return (state.epoch, state.kek)
    }
}
