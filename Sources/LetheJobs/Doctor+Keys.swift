import Foundation
import LetheCore
import LetheKeys

extension Doctor {
    /// The key hierarchy as `keys status` sees it: each key directory (`key_directory`), a
    /// second one on another disk (`key_mirrors`), the key store's epoch against the newest any
    /// key or escrow directory has seen (`key_epoch`), owed rotations and shreds
    /// (`key_rotation`), and the sealed escrow (`escrow`).
    func keyChecks(_ home: Home) -> [DoctorCheck] {
        let status: KeyStoreStatus
        do {
            status = try home.keys.status()
        } catch {
            return openingFailure(error)
        }
        var checks = status.directories.map { directory -> DoctorCheck in
            guard let problem = directory.problem else {
                return .ok("key_directory", "\(directory.path) holds the current key-encryption key (epoch \(status.epoch))")
            }
            return .fail("key_directory", "\(directory.path) \(problem)", fix: problem.advice)
        }
        if status.directories.count < 2 {
            checks.append(.warn("key_mirrors", "one key directory only: losing its disk loses every backup unless an escrow is kept",
                                fix: "create a folder (mode 0700) on another disk, add it to `key_directories` in "
                                    + "\(url.appendingPathComponent(Home.configurationFile).path) and run `lethe keys rotate`, which writes the "
                                    + "key-encryption key to every key directory"))
        } else {
            checks.append(.ok("key_mirrors", "\(Wording.count(status.directories.count, "key directory", "key directories"))"))
        }
        let witnesses = home.keys.directories.map(\.url) + (home.keys.escrow?.directories.map(\.url) ?? [])
        let seen = EpochWitness.newest(among: witnesses)?.epoch ?? status.epoch
        checks.append(.ok("key_epoch", "the key store is at epoch \(status.epoch); no key or escrow directory has seen a newer one"
                          + (seen < status.epoch ? " (they record epoch \(seen): the next rotation catches them up)" : "")))
        if let owed = status.owedRotation {
            checks.append(.fail("key_rotation", "a key-encryption key rotation is owed: \(owed)", fix: "run `lethe keys rotate`"))
        } else if status.pendingShreds > 0 {
            checks.append(.fail("key_rotation", "\(Wording.count(status.pendingShreds, "interrupted shred is", "interrupted shreds are")) not recorded yet",
                                fix: "run `lethe keys rotate` (the next nightly or backup finishes them too)"))
        } else {
            checks.append(.ok("key_rotation", "nothing owed"))
        }
        checks += escrowChecks(status)
        return checks
    }

    /// Each escrow directory holds the current key sealed; none set up is a warning.
    func escrowChecks(_ status: KeyStoreStatus) -> [DoctorCheck] {
        guard let escrow = status.escrow else {
            return [.warn("escrow", "no sealed escrow is set up: if every key directory is lost, every backup is lost",
                          fix: "keep a raw escrow offline (`lethe keys escrow --raw > FILE`, stale after the next rotation), or create the home "
                              + "with --recovery-key-out FILE and --escrow-dir DIR")]
        }
        return escrow.directories.map { directory in
            if directory.holdsCurrentEpoch { return .ok("escrow", "\(directory.path) holds epoch \(status.epoch) sealed to the recovery key") }
            let problem = !directory.readable ? "cannot be read"
                : "does not hold the current epoch \(status.epoch) (newest sealed: \(directory.newestSealedEpoch.map(String.init) ?? "none"))"
            return .fail("escrow", "\(directory.path) \(problem)",
                         fix: "mount it or give the user that runs lethe access to it, then run `lethe keys rotate`, which seals the current key there")
        }
    }
}
