import Foundation
import LetheCatalog
import LetheCore

/// The ledger head of the home that last wrote to a local store: `.lethe-head` at the store's
/// root, one line `lethe-head-v1 SEQUENCE HASH` (see `docs/FORMAT.md`).
///
/// Copies of a home diverge: each has its own catalog, but a store outside the home (and every
/// absolute path in `lethe.json`) is shared. Every run that writes refuses first when the
/// marker is not an event of this home's ledger (its sequence beyond this home's head, or the
/// event at that sequence has another hash): another copy wrote since this one did, and writing
/// on would interleave two histories in one store. Every such run records its head when it
/// ends, whether it succeeded or not (its ledger may have moved either way). A store without
/// a marker (a home older than the marker, or a new store) refuses nothing.
struct StoreHeadMarker {
    static let fileName = ".lethe-head"
    static let magic = "lethe-head-v1"
    let home: Home

    /// The marker's file.
    var file: URL { URL(fileURLWithPath: home.configuration.store).appendingPathComponent(Self.fileName) }

    /// Refuses when the store's marker is not an event of this home's ledger.
    ///
    /// - Throws: `JobError.storeWrittenByAnotherCopy` (exit 1, nothing written); catalog errors.
    func refuseIfDiverged() throws {
        guard let data = FileManager.default.contents(atPath: file.path) else { return }
        let fields = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard fields.count == 3, fields[0] == Self.magic, let sequence = Int64(fields[1]) else {
            home.log.warning("store.head_unreadable", ["file": file.path, "fix": "it is rewritten by this run"])
            return
        }
        guard try home.catalog.eventHash(sequence: sequence) != String(fields[2]) else { return }
        let head = try home.catalog.ledgerHead()?.sequence ?? 0
        throw JobError.storeWrittenByAnotherCopy(store: home.configuration.store, marker: sequence, head: head)
    }

    /// Records this home's ledger head in the store, durably; a failure is logged, not thrown
    /// (the run's own work is done; the next run records it).
    func record() {
        do {
            guard let head = try home.catalog.ledgerHead() else { return }
            let line = Array("\(Self.magic) \(head.sequence) \(head.hash)\n".utf8)
            try line.withUnsafeBytes { try DurableFile.replace(file, with: $0, mode: 0o600) }
        } catch {
            home.log.warning("store.head_unrecorded", ["file": file.path, "error": "\(error)", "retry": "at the next run that writes"])
        }
    }
}
