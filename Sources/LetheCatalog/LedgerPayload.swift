import Foundation
import LetheCore

/// The facts of one kind of ledger event, as a type: the writer builds one, every reader
/// decodes one (`Catalog.events(_:)`, ``LedgerEvent/payload(_:)``).
///
/// The contract is the flat map: a payload is stored as ``details``, a `[String: String]`
/// whose JSON (sorted keys) is what the hash chain covers. So `details` must give exactly
/// the keys and texts Lethe has always written for its kind (numbers in decimal, `yes`/`no`
/// or `true`/`false` as the kind always wrote them, ISO 8601 UTC dates, keys like
/// `copies.local`), and `init(details:)` must read every map its kind's writers ever wrote,
/// older versions' included: a key a later version added is optional. `Codable` goes through
/// the same map, so a payload's JSON is its stored details.
///
/// A map `init(details:)` cannot read (a key missing, a number that is not one) is damage
/// or tampering: it throws `CatalogError.invalidEvent`, an integrity failure (exit 3).
public protocol LedgerPayload: Sendable, Equatable, Codable {
    /// The kind this payload is recorded under.
    static var kind: LedgerEvent.Kind { get }
    /// Kinds earlier versions recorded the same payload under: read, never written.
    static var formerKinds: [LedgerEvent.Kind] { get }
    /// Reads the payload from its stored details.
    ///
    /// - Throws: `CatalogError.invalidEvent` naming the key that is missing or not what Lethe writes.
    init(details: [String: String]) throws
    /// The details to store: exactly the keys and texts this kind has always been written with.
    var details: [String: String] { get }
}

extension LedgerPayload {
    public static var formerKinds: [LedgerEvent.Kind] { [] }

    /// Every kind this payload is read from: its own, then its former ones.
    public static var kinds: [LedgerEvent.Kind] { [kind] + formerKinds }

    /// Decodes the flat map (a JSON object of strings).
    public init(from decoder: any Decoder) throws {
        try self.init(details: try decoder.singleValueContainer().decode([String: String].self))
    }

    /// Encodes the flat map.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(details)
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

/// Reads a payload's fields out of its flat details map, each accessor throwing
/// `CatalogError.invalidEvent` that names the key when it is missing or not what Lethe writes
/// there. For `LedgerPayload.init(details:)`.
public struct FlatDetails {
    /// The stored map.
    public let map: [String: String]
    /// The kind being read, for the message.
    public let kind: LedgerEvent.Kind

    /// A reader of `map`, an event of `kind`.
    public init(_ map: [String: String], kind: LedgerEvent.Kind) {
        self.map = map
        self.kind = kind
    }

    /// The text at `key`.
    public func text(_ key: String) throws -> String {
        guard let text = map[key] else { throw problem("it has no '\(key)'") }
        return text
    }

    /// The text at `key`, or nil when there is none (a key older versions did not write).
    public func optionalText(_ key: String) -> String? { map[key] }

    /// The value at `key` made by `make`, which returns nil for a text Lethe never writes there.
    public func value<T>(_ key: String, _ make: (String) -> T?) throws -> T {
        guard let value = make(try text(key)) else { throw problem("its '\(key)' is not one Lethe writes") }
        return value
    }

    /// The value at `key` made by `make`, or nil when there is no such key.
    public func optional<T>(_ key: String, _ make: (String) -> T?) throws -> T? {
        guard map[key] != nil else { return nil }
        return try value(key, make)
    }

    /// The list at `key`, split at `separator` (an empty text is an empty list), each item made by `make`.
    public func list<T>(_ key: String, separator: Character, _ make: (String) -> T?) throws -> [T] {
        try value(key) { text in
            if text.isEmpty { return [T]() }
            let items = text.split(separator: separator, omittingEmptySubsequences: false).map(String.init)
            let made = items.compactMap(make)
            return made.count == items.count ? made : nil
        }
    }

    /// The error for a map this kind's writers never wrote.
    public func problem(_ what: String) -> CatalogError {
        CatalogError.invalidEvent(sequence: nil, kind: kind.rawValue, problem: what)
    }

    // The texts Lethe writes, both ways.

    /// A count, written in decimal.
    public static func int(_ text: String) -> Int? { Int(text) }
    /// A size or sequence number, written in decimal.
    public static func int64(_ text: String) -> Int64? { Int64(text) }
    /// An instant, written ISO 8601 UTC (`Timestamp.iso`).
    public static func date(_ text: String) -> Date? { Timestamp.parse(text) }
    /// A flag written `yes` or `no`.
    public static func yesNo(_ text: String) -> Bool? { ["yes": true, "no": false][text] }
    /// A flag written `true` or `false` (`String(Bool)`).
    public static func bool(_ text: String) -> Bool? { Bool(text) }
    /// `yes` or `no`.
    public static func yesNo(_ flag: Bool) -> String { flag ? "yes" : "no" }
}
