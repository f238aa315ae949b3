import Foundation
import LetheCore

/// The facts of one kind of ledger event, as a type: the writer builds one, every reader
/// decodes one (`Catalog.events(_:)`, ``LedgerEvent/payload(_:)``).
///
/// The contract is the flat map: a payload is stored as ``details``, a `[String: String]`
/// whose JSON (sorted keys) is what the hash chain covers. A payload is a plain `Codable`
/// struct whose stored properties are its fields; ``FlatDetailsEncoder`` writes them as the keys
/// and texts Lethe has always written for its kind (numbers in decimal, `true`/`false` or
/// ``YesNo``, ISO 8601 UTC dates, keys like `copies.local`), and ``FlatDetailsDecoder`` reads
/// every map its kind's writers ever wrote, older versions' included: a key a later version
/// added is an optional field. A test holds every kind to a ledger written before the types
/// existed (`LedgerFixtureTests`). (Through another coder, such as `JSONEncoder`, a payload is
/// its typed fields, not its stored details.)
///
/// A map a payload cannot be read from (a key missing, a number that is not one) is damage or
/// tampering: `CatalogError.invalidEvent`, an integrity failure (exit 3).
public protocol LedgerPayload: Sendable, Equatable, Codable {
    /// The kind this payload is recorded under.
    static var kind: LedgerEvent.Kind { get }
    /// Kinds earlier versions recorded the same payload under: read, never written.
    static var formerKinds: [LedgerEvent.Kind] { get }
}

extension LedgerPayload {
    public static var formerKinds: [LedgerEvent.Kind] { [] }

    /// Every kind this payload is read from: its own, then its former ones.
    public static var kinds: [LedgerEvent.Kind] { [kind] + formerKinds }

    /// Reads the payload from its stored details.
    ///
    /// - Throws: `CatalogError.invalidEvent` naming the key that is missing or not what Lethe writes.
    public init(details: [String: String]) throws {
        self = try FlatDetailsDecoder().decode(Self.self, from: details, kind: Self.kind)
    }

    /// The details to store: exactly the keys and texts this kind has always been written with.
    public var details: [String: String] {
        do {
            return try FlatDetailsEncoder().encode(self)
        } catch {
            preconditionFailure("a \(Self.kind) payload is not a flat map: \(error)")
        }
    }
}

extension LedgerEvent {
    /// An event of `payload`'s kind, to append; the catalog fills in sequence and hashes.
    public init<Payload: LedgerPayload>(_ payload: Payload, at: Date) {
        self.init(kind: Payload.kind, at: at, details: payload.details)
    }

    /// This event's payload, decoded as `type`.
    ///
    /// - Throws: `CatalogError.invalidEvent` when the event is of another kind, or its details
    ///   are not what its kind records.
    public func payload<Payload: LedgerPayload>(_ type: Payload.Type) throws -> Payload {
        guard Payload.kinds.contains(kind) else {
            throw CatalogError.invalidEvent(sequence: sequence, kind: kind.rawValue, problem: "it is not a \(Payload.kind) event")
        }
        do {
            return try Payload(details: details)
        } catch CatalogError.invalidEvent(_, _, let problem) {
            throw CatalogError.invalidEvent(sequence: sequence, kind: kind.rawValue, problem: problem)
        }
    }

    /// This event with its payload decoded as `type`.
    func recorded<Payload: LedgerPayload>(_ type: Payload.Type) throws -> Recorded<Payload> {
        Recorded(sequence: sequence, at: at, payload: try payload(Payload.self))
    }

    /// One event as a reader sees it: where it stands in the chain, when, and its typed payload.
    public struct Recorded<Payload: LedgerPayload>: Sendable {
        /// Position in the chain, from 1.
        public var sequence: Int64
        /// When it was recorded.
        public var at: Date
        /// Its facts.
        public var payload: Payload
    }

    /// Every payload type, one per kind Lethe writes (`keys.escrowed` is read as the former kind
    /// of ``KeysEscrowRaw``).
    public static let payloadTypes: [any LedgerPayload.Type] = [
        HomeCreated.self, SetStarted.self, SetFinished.self, SetAbandoned.self, BackupAliasRefused.self,
        CopyWritten.self, CopyPlanned.self, CopyDiscarded.self, CopyUploadFailed.self, CopyAdoptionRefused.self,
        CopyCancelled.self, CopyCancelFailed.self, CopyDeleted.self, CopyDeleteFailed.self, StoreUploadsAborted.self,
        ExpireFinished.self, CopiesVerified.self, StructureVerified.self, LedgerVerified.self, ReportGenerated.self,
        BenchCopies.self,
        CustomerShredded.self, CustomerErasedBeforeBackup.self, CustomerExported.self,
        KeysRotated.self, KeysExpiryDestroyed.self, KeysRecovered.self, KeysEscrowRaw.self, KeysEscrowRawDestroyed.self,
        KeysOffsiteWitnessRecorded.self,
    ]
}
