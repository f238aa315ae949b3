import Foundation
@testable import LetheCatalog
import LetheCore
import Testing

/// The flat coder pair names the key of a field it cannot read, whatever shape the field has:
/// a `yes`/`no` flag, a field of a group beside the payload's own, an item of a per-location list.
@Suite struct FlatDetailsCoderTests {
    static let rotated = LedgerEvent.KeysRotated(
        rotation: LedgerEvent.RotationFacts(fromEpoch: 1, toEpoch: 2, kekID: "k2", rewrappedKeys: 3, destroyedEpochs: [1], keyDirectories: 2),
        reason: "shred", complete: true, escrow: "no sealed escrow set up", unrecordedEpochs: nil, offsiteWitness: .owed)

    static let deleted = LedgerEvent.CopyDeleted(
        copy: LedgerEvent.CopyFacts(pseudonym: Pseudonym("pa"), set: SetID("s1"), location: .local, copyID: 7, reasons: "due"),
        result: "deleted")

    static let shredded = LedgerEvent.CustomerShredded(
        pseudonym: Pseudonym("pa"), request: "REQ", shreddedAt: Timestamp.parse("2026-11-03T09:00:00Z")!, destroyedKey: "ck", copies: 1,
        unreadable: [.init(location: .offsite, copies: 1, bytes: 10,
                           deleteBy: [.init(deleteBy: Timestamp.parse("2027-01-01T00:00:00Z")!, copies: 1)])])

    /// The problem `details` read as `type` is reported with.
    static func problem<P: LedgerPayload>(_ type: P.Type, _ details: [String: String]) -> String? {
        do {
            _ = try P(details: details)
            return nil
        } catch CatalogError.invalidEvent(_, let kind, let problem) where kind == P.kind.rawValue {
            return problem
        } catch {
            return "\(error)"
        }
    }

    @Test func theStoredShapesAreTheOnesLetheWrites() throws {
        #expect(Self.rotated.details == [
            "from_epoch": "1", "to_epoch": "2", "kek_id": "k2", "rewrapped_keys": "3", "destroyed_epochs": "1", "key_directories": "2",
            "reason": "shred", "complete": "yes", "escrow": "no sealed escrow set up", "offsite_witness": "owed"])
        #expect(Self.deleted.details == ["pseudonym": "pa", "set": "s1", "location": "local", "copy": "7", "reasons": "due", "result": "deleted"])
        #expect(Self.shredded.details["delete_by.offsite"] == "2027-01-01T00:00:00Z=1" && Self.shredded.details["copies.local"] == nil)
        #expect(try LedgerEvent.KeysRotated(details: Self.rotated.details) == Self.rotated)
        #expect(try LedgerEvent.CopyDeleted(details: Self.deleted.details) == Self.deleted)
        #expect(try LedgerEvent.CustomerShredded(details: Self.shredded.details) == Self.shredded)
    }

    /// `copy.written` counts the paths a backup could not read (`unreadable_skipped`, issue 12
    /// item 6) only when there were some: every other event has exactly the fields it had (the
    /// fixture of LedgerFixtureTests still re-encodes byte for byte), and reads back without it.
    @Test func copyWrittenCountsUnreadablePathsOnlyWhenThereAreSome() throws {
        let facts = LedgerEvent.CopyFacts(pseudonym: Pseudonym("pa"), set: SetID("s1"), location: .local)
        let plain = LedgerEvent.CopyWritten(copy: facts, bytes: 10, dataKey: "fresh")
        #expect(plain.details == ["pseudonym": "pa", "set": "s1", "location": "local", "bytes": "10", "data_key": "fresh"])
        #expect(try LedgerEvent.CopyWritten(details: plain.details).unreadableSkipped == nil)
        let skipped = LedgerEvent.CopyWritten(copy: facts, bytes: 10, dataKey: "fresh", unreadableSkipped: 2)
        #expect(skipped.details["unreadable_skipped"] == "2")
        #expect(try LedgerEvent.CopyWritten(details: skipped.details) == skipped)
    }

    @Test func aFlagThatIsNeitherYesNorNoIsNamed() {
        var details = Self.rotated.details
        details["complete"] = "true"
        #expect(Self.problem(LedgerEvent.KeysRotated.self, details) == "its 'complete' is not one Lethe writes")
    }

    @Test func aCopyFactMissingIsNamed() {
        var details = Self.deleted.details
        details["pseudonym"] = nil
        #expect(Self.problem(LedgerEvent.CopyDeleted.self, details) == "it has no 'pseudonym'")
        details = Self.deleted.details
        details["copy"] = "seven"
        #expect(Self.problem(LedgerEvent.CopyDeleted.self, details) == "its 'copy' is not one Lethe writes")
    }

    @Test func aPerLocationListItemThatIsNotOneIsNamed() {
        var details = Self.shredded.details
        details["delete_by.offsite"] = "2027-01-01T00:00:00Z=1,soon"
        #expect(Self.problem(LedgerEvent.CustomerShredded.self, details) == "its 'delete_by.offsite' is not one Lethe writes")
        details = Self.shredded.details
        details["bytes.offsite"] = nil
        #expect(Self.problem(LedgerEvent.CustomerShredded.self, details) == "it has no 'bytes.offsite'")
    }
}
