import Foundation
import LetheCatalog
import LetheCore

/// The ledger head of the home that last wrote to a store, one line `lethe-head-v1 SEQUENCE
/// HASH` (see `docs/FORMAT.md`): `.lethe-head` at the local store's root, and `lethe/ledger-head`
/// in the offsite bucket (a small unlocked object outside `archives/`, like the epoch witness).
///
/// Copies of a home diverge: each has its own catalog, but what lies outside the home is shared:
/// a store outside it, and always the offsite bucket (`cp -a` of a home copies a store inside it,
/// marker and all, so only the bucket's marker tells the two apart). Every run that writes
/// refuses first when a marker is not an event of this home's ledger (its sequence beyond this
/// home's head, or the event at that sequence has another hash): another copy wrote since this
/// one did, and writing on would interleave two histories in one store. Every such run records
/// its head when it ends, whether it succeeded or not (its ledger may have moved either way). A
/// store without a marker (a home older than the marker, or a new store) refuses nothing.
struct StoreHeadMarker {
    static let fileName = ".lethe-head"
    static let offsiteKey = ObjectKey("lethe/ledger-head")!
    static let magic = "lethe-head-v1"

    /// Which store holds the marker.
    let location: Location
    let home: Home

    /// What a marker says of this home.
    enum Reading: Equatable {
        /// No marker: nothing to compare (a new store, a home older than the marker).
        case absent
        /// Not a marker line: logged, and rewritten by the next run that writes.
        case unreadable
        /// An event of this home's ledger: this home wrote last (`head` is its ledger head now).
        case ours(marker: Int64, head: Int64)
        /// Not an event of this home's ledger: another copy of this home wrote since.
        case diverged(marker: Int64, head: Int64)
    }

    /// The marker of the local store.
    static func local(_ home: Home) -> StoreHeadMarker { StoreHeadMarker(location: .local, home: home) }

    /// The marker of the offsite store (one must be set up).
    static func offsite(_ home: Home) -> StoreHeadMarker { StoreHeadMarker(location: .offsite, home: home) }

    /// The local marker's file.
    var file: URL { URL(fileURLWithPath: home.configuration.store).appendingPathComponent(Self.fileName) }

    /// The store, as messages name it: "local store PATH", "offsite bucket NAME at ENDPOINT".
    var storeName: String {
        switch location {
        case .local: return "local store \(home.configuration.store)"
        case .offsite:
            guard let settings = home.configuration.offsite else { return "offsite store" }
            return "offsite bucket \(settings.bucket) at \(settings.endpoint)"
        }
    }

    /// Where the marker is, as messages name it.
    var markerName: String {
        location == .local ? file.path : "\(Self.offsiteKey) in the \(storeName)"
    }

    /// What to do when the marker is another copy's (the refusal's and the doctor's advice).
    var fix: String {
        let separate = location == .local
            ? "point \"store\" in its lethe.json at a new, empty folder (and its offsite bucket and key mirrors elsewhere)"
            : "give it its own offsite bucket (a new, empty one as \"bucket\" in the \"offsite\" block of its lethe.json), "
                + "and its own store folder and key mirrors where those are shared too"
        return "Run Lethe from the copy that wrote it (a moved or copied home works where it is); to keep this one as a separate home, \(separate). "
            + "If there is no other copy (this home's catalog was put back from an older backup of the host), remove \(markerName) "
            + "and run `lethe verify`: it names the copies the older catalog does not know"
    }

    /// The marker's line, or nil when there is none.
    ///
    /// - Throws: the offsite store's errors (it cannot be reached, refuses the credentials).
    func load() throws -> String? {
        let bytes: [UInt8]?
        switch location {
        case .local: bytes = FileManager.default.contents(atPath: file.path).map { Array($0) }
        case .offsite: bytes = try home.store(for: .offsite).smallObject(Self.offsiteKey)
        }
        return bytes.map { String(decoding: $0, as: UTF8.self) }
    }

    /// What `line` (a loaded marker) says of this home's ledger.
    ///
    /// - Throws: catalog errors.
    func reading(of line: String?) throws -> Reading {
        guard let line else { return .absent }
        let fields = line.split(whereSeparator: \.isWhitespace)
        guard fields.count == 3, fields[0] == Self.magic, let sequence = Int64(fields[1]) else { return .unreadable }
        let head = try home.catalog.ledgerHead()?.sequence ?? 0
        guard try home.catalog.eventHash(sequence: sequence) == String(fields[2]) else { return .diverged(marker: sequence, head: head) }
        return .ours(marker: sequence, head: head)
    }

    /// Refuses when the marker is not an event of this home's ledger.
    ///
    /// - Throws: `JobError.storeWrittenByAnotherCopy` (exit 1, nothing written); catalog errors;
    ///   the offsite store's errors when its marker cannot be read.
    func refuseIfDiverged() throws { try refuse(load()) }

    /// Refuses when `line` (the loaded marker) is not an event of this home's ledger; logs an
    /// unreadable one (`store.head_unreadable`).
    ///
    /// - Throws: `JobError.storeWrittenByAnotherCopy` (exit 1, nothing written); catalog errors.
    func refuse(_ line: String?) throws {
        switch try reading(of: line) {
        case .absent, .ours: return
        case .unreadable:
            home.log.warning("store.head_unreadable", ["marker": markerName, "fix": "it is rewritten by this run"])
        case .diverged(let marker, let head):
            throw JobError.storeWrittenByAnotherCopy(store: storeName, marker: marker, head: head, fix: fix)
        }
    }

    /// Records this home's ledger head in the store, durably; a failure is logged, not thrown
    /// (the run's own work is done; the next run records it).
    func record() {
        do {
            guard let head = try home.catalog.ledgerHead() else { return }
            let line = Array("\(Self.magic) \(head.sequence) \(head.hash)\n".utf8)
            switch location {
            case .local: try line.withUnsafeBytes { try DurableFile.replace(file, with: $0, mode: 0o600) }
            case .offsite: try home.writableStore(for: .offsite).replaceSmallObject(Self.offsiteKey, with: line)
            }
        } catch {
            home.log.warning("store.head_unrecorded", ["marker": markerName, "error": "\(error)", "retry": "at the next run that writes"])
        }
    }
}
