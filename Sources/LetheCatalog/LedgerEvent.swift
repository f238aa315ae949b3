import Foundation
import LetheCore
import LetheCrypto

/// One decision recorded in the ledger: what happened, when, and the facts (pseudonyms only).
public struct LedgerEvent: Sendable, Equatable, Codable {
    /// Position in the chain, from 1.
    public var sequence: Int64
    public var at: Date
    /// What happened: one of the ``Kind`` constants ("copy.written", "customer.shredded", …).
    public var kind: Kind
    /// The facts as stored: a flat map, hashed as its JSON with sorted keys (never a customer
    /// id or key bytes). Writers build it from a ``LedgerPayload`` (``init(_:at:)``), readers
    /// decode one from it (``payload(_:)``, `Catalog.events(_:)`).
    public var details: [String: String]
    /// The previous event's hash ("" for the first).
    public var previousHash: String
    /// SHA-256 over this event's fields and `previousHash`, hex.
    public var hash: String

    /// An event to append, of any kind, with its details as given; the catalog fills in
    /// sequence and hashes. Jobs record a typed payload instead (``init(_:at:)``); this one is
    /// for kinds with no payload type (tests, imports).
    public init(kind: Kind, at: Date, details: [String: String]) {
        self.sequence = 0
        self.at = at
        self.kind = kind
        self.details = details
        self.previousHash = ""
        self.hash = ""
    }

    /// The canonical text hashed for the chain: the details as JSON, keys sorted by their bytes,
    /// slashes unescaped, exactly as `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]`
    /// writes them (every stored ledger was hashed so).
    ///
    /// Details whose keys are ASCII and whose texts need no escape (no `"`, `\\` or control
    /// character: every event Lethe writes) are written directly, byte for byte what the encoder
    /// writes, without an encoder per event; any other map goes through `JSONEncoder` itself.
    static func canonicalDetails(_ details: [String: String]) -> String {
        if let plain = plainCanonicalDetails(details) { return plain }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(details)) ?? Data(), as: UTF8.self)
    }

    /// `canonicalDetails` written without an encoder, or nil when a key is not ASCII or a text
    /// needs an escape (where the encoder's spelling is left to the encoder).
    static func plainCanonicalDetails(_ details: [String: String]) -> String? { LetheJSON.plainObject(details) }

}

/// The result of recomputing the ledger's chain.
public struct LedgerVerification: Sendable, Codable {
    /// How many events were checked.
    public var events: Int
    /// The first event that breaks the chain, or nil if the chain is whole.
    public var firstBrokenSequence: Int64?
    /// What is wrong there.
    public var problem: String?

    public var isIntact: Bool { firstBrokenSequence == nil }
}

/// What the chain hashes of one event: its position, its time in raw seconds, its kind, its
/// details as canonical text, and the previous event's hash.
struct ChainLink {
    var sequence: Int64
    var at: Int64
    var kind: String
    var details: String
    var previousHash: String

    /// SHA-256 over the fields, one per line, hex: the event's hash.
    var hash: String {
        Digest.hex(Digest.sha256(Array("\(sequence)\n\(at)\n\(kind)\n\(details)\n\(previousHash)".utf8)))
    }
}
