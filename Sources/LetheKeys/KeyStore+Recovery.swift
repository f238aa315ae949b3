import Foundation
import GRDB
import LetheCore
import LetheCrypto
import LetheSQLite

/// What putting an escrowed KEK back did.
public struct KEKRecoveryReport: Sendable, Codable {
    /// The epoch the key store is at, whose KEK the escrow held.
    public var epoch: Int
    /// The KEK's fingerprint.
    public var kekID: KeyID
    /// How many wrapped keys (customer keys, expiry keys, the lookup key) opened under it.
    public var verifiedKeys: Int
    /// Key directories the KEK was written back to.
    public var restored: [String]
    /// Key directories that already held it.
    public var alreadyHeld: [String]
    /// Key directories (and escrow directories) it could not be written to, with the reason.
    public var failed: [String]
    /// Escrow directories the KEK was sealed back into (they had lost the current epoch's file).
    public var escrowRestored: [String] = []
    /// True when no key or escrow directory witnessed any epoch and the operator accepted the
    /// escrow's epoch explicitly (`--accept-epoch`).
    public var acceptedWithoutWitness = false

    enum CodingKeys: String, CodingKey {
        case epoch, kekID = "kek_id", verifiedKeys = "verified_keys", restored, alreadyHeld = "already_held", failed
        case escrowRestored = "escrow_restored", acceptedWithoutWitness = "accepted_without_witness"
    }
}

extension KeyStore {
    /// Puts an escrowed KEK back into every key directory that lost it (or holds a damaged copy),
    /// and seals it back into every escrow directory that lost the current epoch's file.
    ///
    /// Works when no key directory holds the current KEK, which is exactly when the key store
    /// cannot be opened. The escrow is used only if no key or escrow directory has witnessed a
    /// newer epoch, it is the current epoch's KEK (its epoch and fingerprint match the key
    /// store's) and every wrapped key in the store opens under it; an escrow taken before a
    /// rotation (every shred rotates) is refused, so it can never bring back anything a shred
    /// destroyed. When no directory witnesses any epoch (every one was lost), nothing can tell an
    /// old key store and escrow from current ones: the operator must name the epoch they accept.
    ///
    /// - Parameters:
    ///   - escrow: the sealed escrow set-up (its directories witness too), or nil.
    ///   - acceptEpoch: the epoch the operator accepts without a witness; must equal `escrowedEpoch`.
    ///   - offsiteWitness: the newest epoch a witness kept elsewhere has seen (the offsite
    ///     store's), and what to call it in errors; nil when there is none or it is unreachable.
    /// - Throws: `olderThanWitnessed`, `acceptedEpochMismatch`, `escrowStale`/`escrowMismatch`
    ///   if the escrow is not the current KEK, `unwrapFailed` if a stored key does not open under
    ///   it, `noWitness` without `acceptEpoch` when nothing witnesses, `storeUnavailable`.
    public static func recoverKEK(path: URL, directories: [KeyDirectory], escrow: SealedEscrow? = nil, escrowedKEK kek: SecretKey,
                                  escrowedEpoch: Int, acceptEpoch: Int? = nil,
                                  offsiteWitness: (epoch: Int, folder: String)? = nil) throws -> KEKRecoveryReport {
        let store = KeyStore(file: try openFile(path, existing: true), directories: directories, escrow: escrow)
        // A key or escrow directory that survived (kept out of host backups) refuses an escrow,
        // and a key store, older than what it has seen, even when the two agree with each other.
        try EpochWitness.refuseOlder(escrowedEpoch, what: "escrow", among: store.witnessFolders, also: offsiteWitness)
        if let acceptEpoch, acceptEpoch != escrowedEpoch {
            throw KeyStoreError.acceptedEpochMismatch(accepted: acceptEpoch, escrowed: escrowedEpoch)
        }
        let (epoch, verified) = try store.read { db -> (Int, Int) in
            let epoch = try store.storedEpoch(db)
            let kekID = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'kek_id'") ?? ""
            guard escrowedEpoch == epoch else { throw KeyStoreError.escrowStale(escrowed: escrowedEpoch, current: epoch) }
            guard kek.id.rawValue == kekID else { throw KeyStoreError.escrowMismatch(epoch: epoch) }
            return (epoch, try store.unwrapEverything(db, under: kek))
        }
        let unwitnessed = EpochWitness.newest(among: store.witnessFolders) == nil && offsiteWitness == nil
        if unwitnessed && acceptEpoch == nil { throw KeyStoreError.noWitness(epoch: epoch) }
        var report = KEKRecoveryReport(epoch: epoch, kekID: kek.id, verifiedKeys: verified, restored: [], alreadyHeld: [], failed: [])
        report.acceptedWithoutWitness = unwitnessed
        for directory in directories {
            if (try? directory.readKey(epoch: epoch)) == kek {
                report.alreadyHeld.append(directory.url.path)
                continue
            }
            do {
                try directory.create()
                try directory.writeKey(kek, epoch: epoch)
                guard try directory.readKey(epoch: epoch) == kek else {
                    throw KeyStoreError.kekCorrupt(epoch: epoch, directory: directory.url.path)
                }
                try EpochWitness.record(epoch, in: directory.url)
                report.restored.append(directory.url.path)
            } catch {
                report.failed.append("\(directory.url.path): \(error)")
            }
        }
        for directory in escrow?.directories ?? [] where !((try? directory.epochs())?.contains(epoch) ?? false) {
            do {
                try directory.create()
                try directory.write(kek, epoch: epoch, sealedTo: escrow!.recipient)
                try EpochWitness.record(epoch, in: directory.url)
                report.escrowRestored.append(directory.url.path)
            } catch {
                report.failed.append("\(directory.url.path): \(error)")
            }
        }
        return report
    }

    /// The epoch the key store at `path` records, read without a KEK (nil if it cannot be read):
    /// which sealed escrow recovery should open.
    public static func recordedEpoch(path: URL) -> Int? {
        guard let file = try? openFile(path, existing: true) else { return nil }
        let store = KeyStore(file: file, directories: [], escrow: nil)
        return try? store.read { try store.storedEpoch($0) }
    }

    /// Opens every wrapped key in the store under `kek` (each bound to its row, as the store's
    /// wrap format binds them, with the epoch it records) and
    /// returns how many there were; throws `unwrapFailed` at the first that does not open.
    private func unwrapEverything(_ db: Database, under kek: SecretKey) throws -> Int {
        let format = try storedWrapFormat(db)
        _ = try unwrapLookupKey(db, under: kek, format: format)
        var count = 1
        for row in try Row.fetchAll(db, sql: "SELECT \(Self.customerColumns) FROM customers") {
            _ = try unwrapCustomerKey(row, under: kek, format: format)
            count += 1
        }
        for row in try Row.fetchAll(db, sql: "SELECT \(Self.expiryColumns) FROM expiry_keys WHERE wrapped IS NOT NULL") {
            _ = try unwrapExpiryKey(row, under: kek, format: format)
            count += 1
        }
        return count
    }
}
