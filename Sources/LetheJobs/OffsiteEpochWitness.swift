import Foundation
import LetheCore
import LetheKeys

/// The newest KEK epoch kept in the offsite store: a small unlocked object, `lethe/newest-epoch`
/// (one decimal line; outside `archives/`, so no listing of copies sees it).
///
/// A third witness beside the key and escrow directories, in another place and another hand:
/// it survives losing every local disk. Best effort: every rotation (and every writing run, to
/// catch up after a store that was down) overwrites it when it is lower; a store that cannot be
/// reached only logs a warning. It is never lowered by Lethe, but a store cannot compare and
/// swap, so two runs racing may leave it one rotation behind until the next run.
struct OffsiteEpochWitness {
    static let key = ObjectKey("lethe/newest-epoch")!
    let home: Home

    /// Records `epoch` offsite unless the store already holds it or a newer one; logs a warning
    /// (`keys.offsite_witness_unrecorded`) instead of failing when the store cannot take it.
    func record(_ epoch: Int) {
        guard home.offsiteConfigured, home.offsiteDown.reason == nil else { return }
        do {
            let store = try home.store(for: .offsite)
            if let seen = try Self.read(from: store), seen >= epoch { return }
            _ = try store.put(Self.key, lockUntil: nil) { try $0.write(Array("\(epoch)\n".utf8)) }
            home.log.info("keys.offsite_witness_recorded", ["epoch": String(epoch)])
        } catch {
            home.log.warning("keys.offsite_witness_unrecorded", [
                "epoch": String(epoch), "error": "\(error)", "retry": "at the next rotation or writing run"])
        }
    }

    /// The epoch the store holds, or nil when there is none (or it is not a number).
    static func read(from store: any ObjectStore) throws -> Int? {
        do {
            let bytes = try store.get(key) { try $0.readAll() }
            return Int(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        } catch ObjectStoreError.notFound {
            return nil
        }
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
