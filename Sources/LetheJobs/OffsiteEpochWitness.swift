import Foundation
import LetheCatalog
import LetheCore
import LetheKeys

/// The newest KEK epoch kept in the offsite store: a small unlocked object, `lethe/newest-epoch`
/// (one decimal line; outside `archives/`, so no listing of copies sees it).
///
/// A third witness beside the key and escrow directories, in another place and another hand:
/// it survives losing every local disk. Best effort: every rotation overwrites it when it is
/// lower and deletes its older versions (a versioned bucket keeps one per overwrite); a store
/// that cannot be reached only logs a warning, the rotation's ledger event says the witness is
/// owed (`offsite_witness: owed`), and the next writing run catches up. Lethe never lowers it,
/// but a store cannot compare and swap: a run catching up while another rotates may leave it one
/// rotation behind, until the next rotation.
struct OffsiteEpochWitness {
    static let key = ObjectKey("lethe/newest-epoch")!
    let home: Home

    /// Records `epoch` offsite unless the store already holds it or a newer one; logs a warning
    /// (`keys.offsite_witness_unrecorded`) instead of failing when the store cannot take it.
    ///
    /// - Returns: nil when no offsite store is set up, else whether the store holds `epoch` now.
    @discardableResult
    func record(_ epoch: Int) -> Bool? {
        guard home.offsiteConfigured else { return nil }
        do {
            let store = try home.writableStore(for: .offsite)
            if let seen = try Self.read(from: store), seen >= epoch { return true }
            try store.replaceSmallObject(Self.key, with: Array("\(epoch)\n".utf8))
            home.log.info("keys.offsite_witness_recorded", ["epoch": String(epoch)])
            return true
        } catch {
            home.log.warning("keys.offsite_witness_unrecorded", [
                "epoch": String(epoch), "error": "\(error)", "retry": "at the next rotation or writing run"])
            return false
        }
    }

    /// Records the witness the latest rotation left owed (its ledger event says
    /// `offsite_witness: owed`), unless a run caught it up since; records that in the ledger
    /// (`keys.offsite_witness_recorded`). Touches the store only when something is owed.
    func catchUp(now: Date) throws {
        guard let rotation = try home.catalog.latestEvent(LedgerEvent.KeysRotated.self)?.payload,
              rotation.offsiteWitness == .owed else { return }
        if let done = try home.catalog.latestEvent(LedgerEvent.KeysOffsiteWitnessRecorded.self), done.payload.epoch >= rotation.toEpoch { return }
        guard record(home.keys.epoch) == true else { return }
        try home.catalog.record(LedgerEvent(LedgerEvent.KeysOffsiteWitnessRecorded(epoch: home.keys.epoch), at: now))
    }

    /// The epoch the store holds, or nil when there is none (or it is not a number).
    static func read(from store: any ObjectStore) throws -> Int? {
        try store.smallObject(key).flatMap { Int(String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// The witness of the offsite store of `configuration`, for `keys recover` (which runs when
    /// the home cannot be opened): nil when none is set up or it cannot be reached (logged).
    static func read(configuration: Configuration, log: EventLog) -> (epoch: Int, folder: String)? {
        guard let settings = configuration.offsite else { return nil }
        do {
            try settings.checkTransport(fix: "")
            let store = try Home.makeOffsiteStore(settings, lockMode: nil)
            return try read(from: store).map { ($0, "the offsite store's \(key.rawValue)") }
        } catch {
            log.warning("keys.offsite_witness_unreadable", ["error": "\(error)"])
            return nil
        }
    }
}
