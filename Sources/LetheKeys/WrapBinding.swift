import Foundation
import LetheCore

/// The associated data of a key-store row's wrap: what the wrapped key is and which row it
/// belongs to, so that a row whose lookup, pseudonym, date or key id was changed (or swapped with
/// another row's) no longer opens under the KEK.
///
/// Format 2 (`bound`, docs/FORMAT.md "Key-store wraps"):
/// `"lethe-keystore-wrap" || 0x02 || kind (1 byte) || u64be(epoch) || fields`, each field as
/// `u16be(length) || bytes`:
/// - the lookup key (kind 1): no fields;
/// - a customer key (kind 2): the row's lookup (32 bytes), pseudonym (UTF-8), key id (ASCII hex);
/// - an expiry key (kind 3): the delete-by (8 bytes, signed big-endian seconds), key id;
/// - the report-signing key's seed (kind 4, `secrets` row 'signing'): no fields.
///
/// Format 1 (`unbound`, stores written before) bound only the kind, the pseudonym or date, and
/// the epoch, as text; it is read once, to upgrade the store (`KeyStore+WrapUpgrade`).
enum WrapBinding {
    /// Which associated data a key store's wraps carry (`meta.wrap_format`; absent means 1).
    enum Format: Int {
        case unbound = 1
        case bound = 2
    }

    /// What kind of key a row wraps: the second byte after the label.
    enum Kind: UInt8 {
        case lookupKey = 1
        case customerKey = 2
        case expiryKey = 3
        case signingKey = 4
    }

    static let label = Array("lethe-keystore-wrap".utf8)

    /// The associated data of the lookup key's wrap.
    static func lookupKey(epoch: Int, format: Format = .bound) -> [UInt8] {
        switch format {
        case .unbound: return Array("lethe-lookup|\(epoch)".utf8)
        case .bound: return bound(.lookupKey, epoch: epoch, fields: [])
        }
    }

    /// The associated data of the report-signing key's wrap (always bound: it came after format 2).
    static func signingKey(epoch: Int) -> [UInt8] { bound(.signingKey, epoch: epoch, fields: []) }

    /// The associated data of a customer key's wrap, on the row found by `lookup`.
    static func customerKey(lookup: Data, pseudonym: Pseudonym, keyID: String, epoch: Int, format: Format = .bound) -> [UInt8] {
        switch format {
        case .unbound: return Array("lethe-ck|\(pseudonym.rawValue)|\(epoch)".utf8)
        case .bound: return bound(.customerKey, epoch: epoch, fields: [Array(lookup), Array(pseudonym.rawValue.utf8), Array(keyID.utf8)])
        }
    }

    /// The associated data of an expiry key's wrap, on the row of delete-by `day` (unix seconds).
    static func expiryKey(day: Int64, keyID: String, epoch: Int, format: Format = .bound) -> [UInt8] {
        switch format {
        case .unbound: return Array("lethe-ek|\(day)|\(epoch)".utf8)
        case .bound: return bound(.expiryKey, epoch: epoch, fields: [bigEndian(UInt64(bitPattern: day)), Array(keyID.utf8)])
        }
    }

    private static func bound(_ kind: Kind, epoch: Int, fields: [[UInt8]]) -> [UInt8] {
        var bytes = label + [UInt8(Format.bound.rawValue), kind.rawValue] + bigEndian(UInt64(epoch))
        for field in fields {
            precondition(field.count <= Int(UInt16.max), "a wrap binding field longer than 65535 bytes")
            bytes += [UInt8(field.count >> 8), UInt8(field.count & 0xff)] + field
        }
        return bytes
    }

    private static func bigEndian(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
    }
}
