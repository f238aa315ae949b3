import Foundation
import LetheCatalog
import LetheCore
import LetheKeys

/// `lethe keys recover`: puts an escrowed KEK back into the key directories after they were
/// lost or damaged, when the home can no longer be opened.
public enum KeyRecovery {
    /// Checks the escrow against the key store (the current epoch's KEK, every stored key opens
    /// under it), writes it to every key directory that lacks it, then records the recovery in
    /// the ledger (epoch, fingerprint and directory count; never key bytes).
    ///
    /// - Throws: `homeMissing`, `busy` while a shred or rotation runs, and `KeyStoreError` if the
    ///   escrow is stale, foreign or does not open the stored keys (nothing is written then).
    public static func recover(home url: URL, escrow: EscrowedKEK, clock: any Clock, log: EventLog) throws -> KEKRecoveryReport {
        let configuration = try Home.configuration(of: url)
        let lock = try RunLock(home: url, name: "keys")
        defer { withExtendedLifetime(lock) {} }
        let report = try KeyStore.recoverKEK(path: url.appendingPathComponent(Home.keyStoreFile),
                                             directories: configuration.keyDirectoryList,
                                             escrowedKEK: escrow.key, escrowedEpoch: escrow.epoch)
        if !report.restored.isEmpty {
            let home = try Home(url: url, clock: clock, log: log)
            try home.catalog.record(LedgerEvent(kind: "keys.recovered", at: clock.now(), details: [
                "epoch": String(report.epoch), "kek_id": report.kekID.rawValue,
                "directories_restored": String(report.restored.count), "keys_verified": String(report.verifiedKeys)]))
        }
        log.info("keys.recovered", ["epoch": String(report.epoch), "directories_restored": String(report.restored.count)])
        return report
    }
}
