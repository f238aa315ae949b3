import Foundation
import LetheCatalog
import LetheCore
import LetheKeys

/// How many of one location's copies a shred made unreadable, by delete-by date.
public struct UnreadableCopies: Codable, Sendable, Equatable {
    /// One delete-by date and how many copies carry it.
    public struct DueDate: Codable, Sendable, Equatable {
        public var deleteBy: String
        public var copies: Int
        enum CodingKeys: String, CodingKey { case deleteBy = "delete_by", copies }
    }

    public var location: String
    public var copies: Int
    public var bytes: Int64
    /// The copies' delete-by dates (ISO 8601, UTC), earliest first: when expiry removes them.
    public var deleteBy: [DueDate]
    enum CodingKeys: String, CodingKey { case location, copies, bytes, deleteBy = "delete_by" }

    /// What a shred's ledger event records of one location.
    init(_ recorded: LedgerEvent.CustomerShredded.Unreadable) {
        location = recorded.location.rawValue
        copies = recorded.copies
        bytes = recorded.bytes
        deleteBy = recorded.deleteBy.map { DueDate(deleteBy: Timestamp.iso($0.deleteBy), copies: $0.copies) }
    }
}

/// A key rotation as receipts and `keys rotate` show it: what the ledger records of it
/// (``LedgerEvent/RotationFacts``, read as its own fields: `summary.toEpoch`), then what only the
/// receipt says. Its JSON is one flat object.
@dynamicMemberLookup
public struct RotationSummary: Codable, Sendable, Equatable {
    /// What the rotation did, as the ledger records it.
    public var facts: LedgerEvent.RotationFacts
    /// Key directories where an old key file is still present (the rotation is then owed).
    public var uncleanDirectories: [String]
    /// Escrow directories the new KEK was sealed into (0 without a sealed escrow).
    public var sealedEscrowDirectories: Int
    enum CodingKeys: String, CodingKey { case uncleanDirectories, sealedEscrowDirectories }

    /// A summary of these fields.
    public init(facts: LedgerEvent.RotationFacts, uncleanDirectories: [String], sealedEscrowDirectories: Int) {
        (self.facts, self.uncleanDirectories, self.sealedEscrowDirectories) = (facts, uncleanDirectories, sealedEscrowDirectories)
    }

    /// A fact of the rotation (`fromEpoch`, `toEpoch`, …).
    public subscript<Value>(dynamicMember fact: KeyPath<LedgerEvent.RotationFacts, Value>) -> Value { facts[keyPath: fact] }

    /// Reads the facts and the receipt's own fields from one object.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(facts: try LedgerEvent.RotationFacts(from: decoder),
                  uncleanDirectories: try container.decode([String].self, forKey: .uncleanDirectories),
                  sealedEscrowDirectories: try container.decode(Int.self, forKey: .sealedEscrowDirectories))
    }

    /// Writes the facts and the receipt's own fields into one object.
    public func encode(to encoder: any Encoder) throws {
        try facts.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(uncleanDirectories, forKey: .uncleanDirectories)
        try container.encode(sealedEscrowDirectories, forKey: .sealedEscrowDirectories)
    }
}

/// The key-hierarchy work that `shred`, `keys rotate` and the backup share: finishing what an
/// interrupted shred left undone, rotating the KEK, and recording both in the ledger. Call the
/// writing parts with the home's "keys" lock held; `unfinished()` only reads.
struct KeyMaintenance {
    let home: Home
    /// Called after each step ("after-catalog", "after-rotate-write", "after-rotate-commit").
    var reached: (String) -> Void = { _ in }

    /// What interrupted shreds (or rotations) left undone, as the key store says, changing
    /// nothing: shreds whose copies the catalog may not have recorded yet, and why a KEK rotation
    /// is owed (nil when none is).
    func unfinished() throws -> (pending: [PendingShred], owedRotation: String?) {
        (try home.keys.pendingShreds(), try home.keys.owedRotation())
    }

    /// Finishes what interrupted shreds left undone: records every pending shred's copies with
    /// its ledger event, then rotates the KEK when a rotation is owed (or in any case, with
    /// `always`). A rotation that cannot commit, or cannot destroy the old KEK everywhere, does
    /// not throw: the outcome is incomplete and says why.
    ///
    /// - Parameter reason: recorded in the rotation's ledger event (with what was owed).
    /// - Throws: key store and catalog errors while recording the pending shreds.
    func finish(reason: String, always: Bool, now: Date) throws -> RotationOutcome {
        let finished = try finishPendingShreds(now: now)
        var outcome = RotationOutcome(rotation: nil, finishedEarlierShreds: finished.map(\.rawValue), complete: false, incomplete: nil)
        let owed = try home.keys.owedRotation()
        if always || owed != nil {
            do {
                outcome.rotation = try rotate(reason: owed.map { "\(reason), finishing: \($0)" } ?? reason, now: now)
            } catch {
                outcome.incomplete = "the key-encryption key could not be rotated (\(error))"
            }
        }
        outcome.incomplete = outcome.incomplete ?? Self.unclean(outcome.rotation)
        outcome.complete = outcome.incomplete == nil
        return outcome
    }

    /// Why `rotation` left an old KEK behind (the key directories it could not clean), or nil.
    static func unclean(_ rotation: RotationSummary?) -> String? {
        guard let rotation, !rotation.uncleanDirectories.isEmpty else { return nil }
        return "the old key-encryption key could not be destroyed everywhere: " + rotation.uncleanDirectories.joined(separator: "; ")
    }

    /// Records every shred the key store still holds as pending (one that stopped between
    /// destroying the key and recording its copies), and returns their pseudonyms.
    func finishPendingShreds(now: Date) throws -> [Pseudonym] {
        var finished: [Pseudonym] = []
        for pending in try home.keys.pendingShreds() {
            _ = try recordShred(pending, now: now)
            finished.append(pending.pseudonym)
        }
        return finished
    }

    /// Marks the pseudonym's copies shredded in the catalog with the ledger event (once, even if
    /// an earlier run recorded it and died before telling the key store), then makes the key
    /// store forget the pseudonym. Returns what became unreadable (empty if recorded earlier).
    func recordShred(_ shred: PendingShred, now: Date) throws -> [UnreadableCopies] {
        var summary: [UnreadableCopies] = []
        if try !home.catalog.hasEvent(kind: .customerShredded, pseudonym: shred.pseudonym) {
            let copies = try home.catalog.markShredded(shred.pseudonym) { copies in
                LedgerEvent(LedgerEvent.CustomerShredded(
                    pseudonym: shred.pseudonym, request: shred.request, shreddedAt: shred.shreddedAt,
                    destroyedKey: shred.destroyedKeyID.rawValue, copies: copies.count,
                    unreadable: LedgerEvent.CustomerShredded.Unreadable.summarise(copies)), at: now)
            }
            summary = LedgerEvent.CustomerShredded.Unreadable.summarise(copies).map(UnreadableCopies.init)
            home.log.info("shred.recorded", ["pseudonym": shred.pseudonym.rawValue, "copies": String(copies.count)])
        }
        reached("after-catalog")
        try home.keys.shredRecorded(shred.pseudonym)
        return summary
    }

    /// Rotates the KEK and records the epoch change; a rotation that a run committed but did not
    /// record (it died) is named in the event, so the ledger accounts for every epoch.
    ///
    /// - Throws: the key store's error when the rotation could not commit (nothing changed).
    func rotate(reason: String, now: Date) throws -> RotationSummary {
        // Read before rotating: a ledger whose last rotation does not decode stops here, before any key changes.
        let lastRecorded = try home.catalog.latestEvent(LedgerEvent.KeysRotated.self)?.payload.toEpoch ?? 1
        let report = try home.keys.rotate { reached($0.rawValue) }
        let sealedInto = home.keys.escrow?.directories.count ?? 0
        let witnessed = OffsiteEpochWitness(home: home).record(report.toEpoch)
        let facts = LedgerEvent.RotationFacts(fromEpoch: report.fromEpoch, toEpoch: report.toEpoch, kekID: report.kekID.rawValue,
                                              rewrappedKeys: report.rewrappedKeys, destroyedEpochs: report.destroyedEpochs,
                                              keyDirectories: home.keys.directories.count)
        try home.catalog.record(LedgerEvent(LedgerEvent.KeysRotated(
            rotation: facts, reason: reason, complete: report.isComplete,
            escrow: sealedInto > 0 ? "sealed into \(sealedInto) escrow directories" : "no sealed escrow set up",
            unrecordedEpochs: lastRecorded == report.fromEpoch ? nil
                : "\(lastRecorded)..\(report.fromEpoch): rotated by a run that stopped before recording it",
            offsiteWitness: witnessed.map { $0 ? .recorded : .owed }), at: now))
        home.log.info("keys.rotated", ["from_epoch": String(report.fromEpoch), "to_epoch": String(report.toEpoch),
                                       "complete": report.isComplete ? "yes" : "no"])
        return RotationSummary(facts: facts, uncleanDirectories: report.uncleanDirectories, sealedEscrowDirectories: sealedInto)
    }
}
