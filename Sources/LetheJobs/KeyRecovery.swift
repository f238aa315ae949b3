import Foundation
import LetheCatalog
import LetheCore
import LetheCrypto
import LetheKeys

/// `lethe keys recover`: puts an escrowed KEK back into the key directories after they were
/// lost or damaged, when the home can no longer be opened.
public enum KeyRecovery {
    /// Where the escrowed KEK comes from.
    public enum Source: Sendable {
        /// A raw escrow (`keys escrow --raw`, `--escrow FILE`).
        case raw(EscrowedKEK)
        /// The sealed escrow, opened with the recovery private key: the key store's epoch's (else
        /// the newest) in the escrow directories, or the file given (`--sealed-escrow FILE`).
        case sealed(RecoveryPrivateKey, file: URL?)

        /// The sealed escrow, opened with the recovery private key read from `recoveryKeyFile`
        /// (`--recovery-key FILE`); `escrowFile` as for `sealed`.
        ///
        /// - Throws: `CryptoError` if the file cannot be read or is not a recovery private key.
        public static func sealedEscrow(recoveryKeyFile: URL, escrowFile: URL?) throws -> Source {
            .sealed(try RecoveryPrivateKey(file: recoveryKeyFile), file: escrowFile)
        }
    }

    /// Checks the escrow against the witnesses and the key store (no key or escrow directory,
    /// nor the offsite store when it can be reached, has seen a newer epoch; it is the current
    /// epoch's KEK; every stored key opens under it), writes it to every key directory that
    /// lacks it (and seals it back into every escrow directory that lacks it), then records the
    /// recovery in the ledger (epoch, fingerprint, directory counts, the source, and
    /// `accepted_epoch` when no witness was left; never key bytes).
    ///
    /// - Parameter acceptEpoch: the epoch the operator accepts when no directory witnesses any.
    /// - Throws: `homeMissing`, `busy` while a shred or rotation runs, `invalidConfiguration`
    ///   for a sealed recovery in a home without escrow directories, and `KeyStoreError` if the
    ///   escrow is older than a witness, stale, foreign, does not open the stored keys, or nothing
    ///   witnesses and `acceptEpoch` is missing (nothing is written then).
    public static func recover(home url: URL, source: Source, acceptEpoch: Int? = nil, clock: any Clock, log: EventLog) throws -> KEKRecoveryReport {
        let configuration = try Home.configuration(of: url)
        let lock = try RunLock(home: url, name: "keys")
        defer { withExtendedLifetime(lock) {} }
        let escrow = try configuration.sealedEscrow()
        let keyStore = url.appendingPathComponent(Home.keyStoreFile)
        let (epoch, kek, origin) = try open(source, escrow: escrow, storeEpoch: KeyStore.recordedEpoch(path: keyStore))
        let report = try KeyStore.recoverKEK(path: keyStore,
                                             directories: configuration.keyDirectoryList, escrow: escrow,
                                             escrowedKEK: kek, escrowedEpoch: epoch, acceptEpoch: acceptEpoch,
                                             offsiteWitness: OffsiteEpochWitness.read(configuration: configuration, log: log))
        if !report.restored.isEmpty || !report.escrowRestored.isEmpty {
            let home = try Home(url: url, clock: clock, log: log)
            try home.catalog.record(LedgerEvent(LedgerEvent.KeysRecovered(
                epoch: report.epoch, kekID: report.kekID.rawValue, source: origin, directoriesRestored: report.restored.count,
                escrowDirectoriesRestored: report.escrowRestored.count, keysVerified: report.verifiedKeys,
                acceptedEpoch: report.acceptedWithoutWitness ? report.epoch : nil), at: clock.now()))
        }
        log.info("keys.recovered", ["epoch": String(report.epoch), "directories_restored": String(report.restored.count)])
        return report
    }

    /// The escrowed epoch and KEK, and how the ledger names where it came from.
    private static func open(_ source: Source, escrow: SealedEscrow?, storeEpoch: Int?) throws -> (Int, SecretKey, String) {
        switch source {
        case .raw(let escrowed):
            return (escrowed.epoch, escrowed.key, "raw escrow")
        case .sealed(let key, let file?):
            let (epoch, kek) = try SealedEscrow.open(file: file, with: key)
            return (epoch, kek, "sealed escrow file")
        case .sealed(let key, nil):
            guard let escrow, !escrow.directories.isEmpty else {
                throw JobError.invalidConfiguration("this home has no escrow directories (it was set up without --escrow-dir): recover with --escrow FILE, or name a sealed escrow file with --sealed-escrow FILE")
            }
            let (epoch, kek, _) = try escrow.open(preferring: storeEpoch, with: key)
            return (epoch, kek, "sealed escrow directory")
        }
    }
}
