import Foundation
import LetheCatalog
import LetheCore
import LetheCrypto
import LetheFormat
import LetheKeys

/// Opens a stored copy and hands its authenticated plaintext to a consumer.
///
/// Keys are looked up from the catalog's record of the copy, never from the header alone; the
/// header is then checked against the record in every field the catalog knows (and its key ids
/// against the keys looked up), so an archive moved onto another customer's or set's key, or
/// re-dated, or naming other keys, is refused as tampered (`JobError.integrity`) before its
/// bytes are used.
struct CopyReader {
    let home: Home

    /// Reads `copy` into `consume`, then (with `toEnd`) the rest of its plaintext, so the final
    /// tag is checked: a truncated or extended archive fails even when `consume` stopped early.
    ///
    /// - Parameter toEnd: false only for a first look at the archive's start whose findings
    ///   a full reading checks afterwards (the export's table sizes): the chunks read are still
    ///   authenticated, the rest is not decrypted at all.
    func read<T>(_ copy: CopyRecord, toEnd: Bool = true, _ consume: (any ByteSource) throws -> T) throws -> T {
        let customerKey: SecretKey
        let expiryKey: SecretKey
        do {
            customerKey = try home.keys.customerKey(for: copy.pseudonym)
            expiryKey = try home.keys.expiryKey(deleteBy: copy.deleteBy)
        } catch KeyStoreError.expiryKeyDestroyed(let date) {
            throw JobError.notFound("the copy expired on \(Timestamp.iso(date)); its expiry key was destroyed, so it can no longer be read")
        }
        let store = try home.store(for: copy.location)
        return try store.get(copy.objectKey) { source in
            let sealed = try SealedArchive.open(source)
            if let field = Self.disagreement(sealed.header, copy, customerKey: customerKey.id, expiryKey: expiryKey.id) {
                throw JobError.integrity("the archive stored at \(copy.objectKey) is not the copy the catalog recorded there (its header names another \(field)): restore from another copy")
            }
            let reader = try sealed.unseal(customerKey: customerKey, expiryKey: expiryKey)
            let result = try consume(reader)
            guard toEnd else { return result }
            var scratch = [UInt8](repeating: 0, count: 1 << 16)
            while try scratch.withUnsafeMutableBytes({ try reader.read(into: $0) }) > 0 {}
            return result
        }
    }

    /// The first header field that disagrees with the catalog's record of the copy (or with the
    /// keys the key store holds for it), named for people; nil when all agree.
    ///
    /// Every such disagreement is tampered or swapped data, never a caller error: the keys were
    /// looked up from the record, so a header naming other keys is not the copy recorded there.
    static func disagreement(_ header: ArchiveHeader, _ copy: CopyRecord, customerKey: KeyID, expiryKey: KeyID) -> String? {
        if header.pseudonym != copy.pseudonym { return "pseudonym (another customer's archive)" }
        if header.setID != copy.setID { return "set" }
        if header.archiveID != copy.archiveID { return "archive id" }
        if header.created != copy.created { return "creation time" }
        if header.deleteBy != copy.deleteBy { return "delete-by date (re-dated)" }
        if header.customerKeyID != customerKey { return "customer key" }
        if header.expiryKeyID != expiryKey { return "expiry key" }
        if header.baseArchiveID != copy.baseArchiveID { return "base archive" }
        return nil
    }
}
