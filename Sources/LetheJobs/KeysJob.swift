import Foundation
import LetheCatalog
import LetheCore
import LetheCrypto
import LetheKeys

/// What `lethe keys rotate` did.
public struct RotationOutcome: Codable, Sendable {
    /// The rotation (nil if it could not commit).
    public var rotation: RotationSummary?
    /// Pseudonyms of interrupted shreds this run recorded before rotating.
    public var finishedEarlierShreds: [String]
    /// True when the new epoch is the only one left in every key directory.
    public var complete: Bool
    /// Why not, and what to do.
    public var incomplete: String?

    enum CodingKeys: String, CodingKey {
        case rotation, finishedEarlierShreds = "finished_earlier_shreds", complete, incomplete
    }
}

/// The current KEK, printed raw by `lethe keys escrow --raw`.
public struct EscrowedKEK: @unchecked Sendable {
    /// Its epoch; the escrow is stale after the next rotation (every shred rotates).
    public let epoch: Int
    /// Its fingerprint, as `keys status` shows it.
    public let kekID: KeyID
    let key: SecretKey

    /// The text to store: `lethe-kek-v1 epoch=N id=ID key=<hex or base64>`. The only place a KEK is
    /// printed, deliberately; the caller writes it to standard output and nowhere else.
    public func text(base64: Bool) -> String {
        "lethe-kek-v1 epoch=\(epoch) id=\(kekID.rawValue) key=\(encodedKey(base64: base64))"
    }

    /// The same as one line of ``LetheJSON`` (`encoding`, `epoch`, `format`, `kek_id`, `key`).
    public func json(base64: Bool) -> String {
        let object = EscrowObject(epoch: epoch, kekID: kekID.rawValue, encoding: base64 ? "base64" : "hex", key: encodedKey(base64: base64))
        // Strings and a number cannot fail to encode.
        return try! LetheJSON.text(object, pretty: false)
    }

    /// What ``json(base64:)`` prints.
    private struct EscrowObject: Encodable {
        let format = "lethe-kek-v1"
        let epoch: Int
        let kekID: String
        let encoding: String
        let key: String
    }

    init(epoch: Int, kekID: KeyID, key: SecretKey) {
        self.epoch = epoch
        self.kekID = kekID
        self.key = key
    }

    /// Reads an escrow from the bytes of its file (as `init(escrow:)`), then zeroes them: they
    /// hold the KEK.
    ///
    /// - Throws: `invalidEscrow` if it is not one.
    public init(wiping bytes: inout Data) throws {
        defer { bytes.withUnsafeMutableBytes { SecureMemory.zero($0) } }
        try self.init(escrow: String(decoding: bytes, as: UTF8.self))
    }

    /// Reads an escrow as `text(base64:)` or `json(base64:)` wrote it (surrounding whitespace and
    /// comment lines starting with `#` are ignored).
    ///
    /// - Throws: `invalidEscrow` if it is not one, or if its key does not match its own fingerprint.
    public init(escrow: String) throws {
        let text = escrow.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }.joined(separator: " ")
        var fields: [String: String] = [:]
        if text.hasPrefix("{") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  object["format"] as? String == "lethe-kek-v1" else {
                throw JobError.invalidEscrow("not a lethe-kek-v1 JSON object")
            }
            for (name, value) in object { fields[name] = "\(value)" }
            fields["id"] = fields["kek_id"]
        } else {
            let words = text.split(separator: " ")
            guard words.first == "lethe-kek-v1" else { throw JobError.invalidEscrow("it does not start with lethe-kek-v1") }
            for word in words.dropFirst() {
                let pair = word.split(separator: "=", maxSplits: 1).map(String.init)
                if pair.count == 2 { fields[pair[0]] = pair[1] }
            }
        }
        guard let epoch = fields["epoch"].flatMap({ Int($0) }), epoch > 0 else { throw JobError.invalidEscrow("no epoch") }
        guard let id = fields["id"], let encoded = fields["key"] else { throw JobError.invalidEscrow("no key id or no key") }
        // The decoded bytes are wiped once copied into the key (the escrow text itself is a
        // String, which cannot be wiped: see docs/DESIGN.md, "Keys in memory").
        var bytes = Self.decodeHex(encoded) ?? Data(base64Encoded: encoded).map { [UInt8]($0) }
        defer { if bytes != nil { SecureMemory.zero(&bytes!) } }
        guard let decoded = bytes, decoded.count == SecretKey.byteCount, let key = try? SecretKey(copying: decoded) else {
            throw JobError.invalidEscrow("the key is not \(SecretKey.byteCount) bytes of hex or base64")
        }
        guard key.id.rawValue == id else {
            throw JobError.invalidEscrow("the key does not match the fingerprint written beside it: it was altered or mistyped")
        }
        self.init(epoch: epoch, kekID: key.id, key: key)
    }

    private static func decodeHex(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(digits.count / 2)
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[i..<i + 2], as: UTF8.self), radix: 16) else {
                SecureMemory.zero(&bytes)
                return nil
            }
            bytes.append(byte)
        }
        return bytes
    }

    private func encodedKey(base64: Bool) -> String {
        key.withUnsafeBytes { bytes in
            base64 ? Data(bytes).base64EncodedString() : bytes.map { String(format: "%02x", $0) }.joined()
        }
    }
}

/// `lethe keys status|rotate|escrow`: the key hierarchy's health, rotation on demand (which
/// also finishes an interrupted shred), and escrow of the current KEK.
public struct KeysJob: Sendable {
    let home: Home

    public init(home: Home) { self.home = home }

    /// The current epoch, every key directory's health, and what is owed.
    public func status() throws -> KeyStoreStatus { try home.keys.status() }

    /// The report-signing key's public half as a minisign public key file (created on first
    /// use): what the operator hands the auditor once, out of band, to check every later
    /// report and receipt with `minisign -Vm FILE -p lethe.pub`.
    public func publicKeyFile() throws -> String { Minisign.publicKeyFile(try home.keys.signingKeyCreatingIfNeeded()) }

    /// Rotates the KEK now under the "keys" lock, first recording any interrupted shred.
    ///
    /// - Returns: the outcome; `complete` is false if a key directory could not be reached.
    /// - Throws: `busy` if a shred or rotation runs; `clockWentBack` (nothing done) if the clock
    ///   reads earlier than the last recorded event.
    public func rotate() throws -> RotationOutcome {
        let lock = try home.lock("keys")
        defer { withExtendedLifetime(lock) {} }
        let now = home.clock.now()
        try Maintenance(home: home).refuseUnsafeWrite(now: now)
        defer { Maintenance(home: home).recordLedgerHead() }
        return try KeyMaintenance(home: home).finish(reason: "on demand", always: true, now: now)
    }

    /// The epochs whose KEK was printed raw (`keys.escrow_raw`, or `keys.escrowed` from earlier
    /// versions) and not since recorded destroyed (`keys.escrow_raw_destroyed`), ascending.
    static func rawEscrowEpochs(in catalog: Catalog) throws -> [Int] {
        let printed = try catalog.events(LedgerEvent.KeysEscrowRaw.self).map(\.payload.epoch)
        let destroyed = try catalog.events(LedgerEvent.KeysEscrowRawDestroyed.self).map(\.payload.epoch)
        return Set(printed).subtracting(destroyed).sorted()
    }

    /// Records the operator's statement that the raw escrow of `epoch` was destroyed, so later
    /// shred receipts stop listing it as outstanding (`keys.escrow_raw_destroyed`).
    ///
    /// - Throws: `invalidConfiguration` (exit 64, nothing recorded) for an epoch the ledger
    ///   records no raw escrow of, or one already recorded destroyed.
    public func recordRawEscrowDestroyed(epoch: Int) throws {
        let outstanding = try Self.rawEscrowEpochs(in: home.catalog)
        guard outstanding.contains(epoch) else {
            throw JobError.invalidConfiguration("no outstanding raw escrow of epoch \(epoch) (outstanding: \(outstanding.isEmpty ? "none" : outstanding.map(String.init).joined(separator: ","))); nothing was recorded")
        }
        let destroyed = LedgerEvent.KeysEscrowRawDestroyed(epoch: epoch)
        try home.catalog.record(LedgerEvent(destroyed, at: home.clock.now()))
        home.log.info(LedgerEvent.KeysEscrowRawDestroyed.kind.rawValue, destroyed.details)
    }

    /// The current KEK printed raw, recorded in the ledger (`keys.escrow_raw`, epoch and
    /// fingerprint only) so every later shred receipt lists it as outstanding.
    ///
    /// - Throws: `keysNotReady` while a rotation is owed: the current KEK may still open key-store
    ///   copies taken before a shred, so it must not be escrowed until `keys rotate` has run.
    public func escrow() throws -> EscrowedKEK {
        let lock = try home.lock("keys")
        defer { withExtendedLifetime(lock) {} }
        if let owed = try home.keys.owedRotation() {
            throw JobError.keysNotReady("refusing to escrow: \(owed); run `lethe keys rotate` first, then escrow the new key-encryption key")
        }
        let (epoch, key) = try home.keys.currentKEKForEscrow()
        try home.catalog.record(LedgerEvent(LedgerEvent.KeysEscrowRaw(epoch: epoch, kekID: key.id.rawValue), at: home.clock.now()))
        home.log.info(LedgerEvent.KeysEscrowRaw.kind.rawValue, ["epoch": String(epoch)])
        return EscrowedKEK(epoch: epoch, kekID: key.id, key: key)
    }
}
