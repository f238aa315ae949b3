import Foundation
import LetheCore

extension BackupJob {
    /// Finishes a shred or rotation that stopped half-way, before anything is backed up: the
    /// backup runs on the key authority, so it does what the next `shred` or `keys rotate`
    /// would (records the shredded copies with their ledger event, rotates the KEK, destroys
    /// the old one everywhere), instead of leaving the copies listed live and the old KEK alive.
    ///
    /// Nothing owed: nil, and the "keys" lock is not even taken (a shred starting now is never
    /// refused because of a backup). Owed, but the "keys" lock is held: a shred or rotation is
    /// running and finishes it; nil. Otherwise the outcome, incomplete with the reason when the
    /// work could not be finished (a key directory unreachable): the backup goes on (the
    /// shredded customers' keys are destroyed and tombstoned, so they are refused as always),
    /// and its outcome counts the unfinished shred as a problem.
    func finishInterruptedShred(now: Date) -> RotationOutcome? {
        let maintenance = KeyMaintenance(home: home)
        do {
            let owed = try maintenance.unfinished()
            guard !owed.pending.isEmpty || owed.owedRotation != nil else { return nil }
        } catch {
            return RotationOutcome(rotation: nil, finishedEarlierShreds: [], complete: false,
                                   incomplete: "the key store could not say whether a shred is unfinished (\(error))")
        }
        let lock: RunLock
        do {
            lock = try home.lock("keys")
        } catch {
            home.log.warning("backup.shred_unfinished", ["reason": "a shred or key rotation holds the keys lock and finishes it"])
            return nil
        }
        defer { withExtendedLifetime(lock) {} }
        var outcome: RotationOutcome
        do {
            outcome = try maintenance.finish(reason: "backup", always: false, now: now)
        } catch {
            outcome = RotationOutcome(rotation: nil, finishedEarlierShreds: [], complete: false, incomplete: "\(error)")
        }
        for pseudonym in outcome.finishedEarlierShreds {
            home.log.warning("backup.shred_finished", ["pseudonym": pseudonym])
        }
        if let incomplete = outcome.incomplete {
            home.log.error("backup.shred_unfinished", ["reason": incomplete])
        }
        return outcome
    }
}
