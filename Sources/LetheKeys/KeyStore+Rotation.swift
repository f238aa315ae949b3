import Foundation
import GRDB
import LetheCore
import LetheCrypto
import LetheSQLite

/// What a rotation did.
public struct RotationReport: Sendable, Codable {
    /// The epoch before and after.
    public var fromEpoch: Int
    public var toEpoch: Int
    /// The id (fingerprint) of the new KEK.
    public var kekID: KeyID
    /// How many keys were re-wrapped (customer keys, expiry keys, the lookup key).
    public var rewrappedKeys: Int
    /// Old epochs whose key files were destroyed (in every key directory that could be reached).
    public var destroyedEpochs: [Int]
    /// Key directories where an old key file could not be destroyed, with the reason. Empty
    /// when the rotation is complete.
    public var uncleanDirectories: [String]

    /// True when every old key file is gone from every key directory.
    public var isComplete: Bool { uncleanDirectories.isEmpty }
}

/// The points a rotation passes, for callers that record or test its progress.
public enum RotationStep: String, Sendable {
    /// The new KEK is durable and verified in every key directory; the database still names
    /// the old epoch (a crash here leaves a stray new key file that the next rotation removes).
    case newKeyWritten = "after-rotate-write"
    /// The database committed the new epoch, every key re-wrapped under it; old key files are
    /// not yet destroyed (a crash here leaves the rotation owed).
    case committed = "after-rotate-commit"
}

extension KeyStore {
    /// Rotates the KEK: a new epoch wraps every remaining key (each unwrap verified), written
    /// durably to every key directory and sealed into every escrow directory; then every other
    /// epoch's key file and sealed escrow is destroyed everywhere.
    ///
    /// Crash-safe: until the database commits the new epoch, the old KEK stays current and a
    /// stray new key file is destroyed by the next rotation; after it commits, old key files
    /// are destroyed by this call or, if a key directory is unreachable, by the next `rotate`
    /// (the store records that a rotation is owed until then).
    ///
    /// - Parameter reached: called after each step (tests stop the process there).
    /// - Returns: the report; `isComplete` is false when the new epoch was committed but an old
    ///   key file could not be destroyed somewhere (the rotation is then still owed).
    /// - Throws: `keyDirectoryUnavailable` / `escrowDirectoryUnavailable` if a key directory
    ///   cannot be read or written, or an escrow directory cannot take the sealed new KEK, before
    ///   the commit (nothing changed: the old epoch is still current and the rotation still
    ///   owed); `rotationIncomplete` if another process rotated meanwhile.
    @discardableResult
    public func rotate(reached: (RotationStep) -> Void = { _ in }) throws -> RotationReport {
        try loadCurrentKEK()
        let oldEpoch = state.epoch
        let oldKEK = state.kek
        var highest = oldEpoch
        for directory in directories { highest = max(highest, try directory.epochs().max() ?? 0) }
        let newEpoch = highest + 1
        let newKEK = SecretKey.random()
        for directory in directories { try directory.writeKey(newKEK, epoch: newEpoch) }
        for directory in directories {
            guard try directory.readKey(epoch: newEpoch) == newKEK else {
                throw KeyStoreError.kekCorrupt(epoch: newEpoch, directory: directory.url.path)
            }
        }
        // Sealed before the commit: a committed epoch always has its escrow.
        try escrow?.write(newKEK, epoch: newEpoch)
        reached(.newKeyWritten)
        let lookupKey = state.lookupKey
        let rewrapped = try write { db -> Int in
            let epochNow = try storedEpoch(db)
            guard epochNow == oldEpoch else {
                throw KeyStoreError.rotationIncomplete("another process rotated to epoch \(epochNow) meanwhile")
            }
            let count = try rewrapEveryKey(db, from: oldKEK, format: try storedWrapFormat(db), to: newKEK, epoch: newEpoch)
            try db.execute(sql: "UPDATE meta SET value = ? WHERE name = 'epoch'", arguments: [String(newEpoch)])
            try db.execute(sql: "UPDATE meta SET value = ? WHERE name = 'kek_id'", arguments: [newKEK.id.rawValue])
            try db.execute(sql: "INSERT OR REPLACE INTO meta(name, value) VALUES ('rotation_owed', 'cleanup')")
            return count
        }
        state.install(epoch: newEpoch, kek: newKEK, lookupKey: lookupKey)
        try writeWithoutTransaction { try checkpoint($0) }
        reached(.committed)
        let cleanup = destroyOldEpochsEverywhere()
        return RotationReport(fromEpoch: oldEpoch, toEpoch: newEpoch, kekID: newKEK.id, rewrappedKeys: rewrapped,
                              destroyedEpochs: cleanup.destroyed, uncleanDirectories: cleanup.unclean)
    }

    /// Tries every key and escrow directory (one unreachable mirror does not stop the others
    /// being cleaned); clears the owed mark only when all are clean.
    private func destroyOldEpochsEverywhere() -> (destroyed: [Int], unclean: [String]) {
        let current = state.epoch
        var destroyed = Set<Int>()
        var unclean: [String] = []
        for folder in directories.map(\.folder) + (escrow?.directories.map(\.folder) ?? []) {
            do {
                // The epoch is committed: from now on this directory refuses anything older.
                try EpochWitness.record(current, in: folder.url)
                for epoch in try folder.epochs() where epoch != current {
                    try folder.destroy(epoch: epoch)
                    destroyed.insert(epoch)
                }
                try folder.destroyTemporaries()
            } catch {
                unclean.append("\(error)")
            }
        }
        if unclean.isEmpty {
            do {
                // Only the mark this rotation set: one set meanwhile (a shred or an expiry that
                // destroyed keys after this rotation committed) still owes the next rotation.
                try write { db in try db.execute(sql: "DELETE FROM meta WHERE name = 'rotation_owed' AND value = 'cleanup'") }
            } catch {
                unclean.append("the key store could not record the finished rotation (\(error))")
            }
        }
        return (destroyed.sorted(), unclean)
    }

    /// Why the key store is not clean, or nil: a shred or rotation that has not finished
    /// destroying old key files, or a key directory holding a key file of another epoch.
    ///
    /// A directory that cannot be read is not by itself an owed rotation: the `rotation_owed`
    /// mark is cleared only by a rotation that destroyed the old key in every key and escrow
    /// directory, so without the mark no old key survives in a directory that cannot be read
    /// now (an unmounted mirror); `status()` names it as unreachable instead. With the mark, the
    /// rotation is owed whatever can be read.
    public func owedRotation() throws -> String? {
        let owed = try read { db in
            try String.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'rotation_owed'")
        }
        if let owed {
            switch owed {
            case "shred": return "a shred has not rotated the key-encryption key yet"
            case "expiry": return "an expiry run destroyed expiry keys but has not rotated the key-encryption key yet"
            case "upgrade":
                return "the key store was upgraded to wraps bound to their rows; until the key-encryption key is rotated, "
                    + "a copy of the key store taken before the upgrade could still be written back with rows swapped"
            default: return "old key files were not destroyed in every key directory"
            }
        }
        try loadCurrentKEK()
        for directory in directories {
            guard let epochs = try? directory.epochs() else { continue }
            if epochs.contains(where: { $0 != state.epoch }) { return "\(directory.url.path) still holds a key file of another epoch" }
        }
        for directory in escrow?.directories ?? [] {
            guard let epochs = try? directory.epochs() else { continue }
            if epochs != [state.epoch] {
                return "escrow directory \(directory.url.path) does not hold the current epoch's sealed key-encryption key alone"
            }
        }
        return nil
    }
}
