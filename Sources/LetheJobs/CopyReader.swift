import Foundation
import LetheCatalog
import LetheCore
import LetheCrypto
import LetheFormat
import LetheKeys

/// Opens a stored copy and hands its authenticated plaintext to a consumer.
///
/// Keys are looked up from the catalog's record of the copy, never from the header alone; the
/// header is then checked against the record, so an archive moved onto another customer's or
/// set's key is refused even before its bytes are used.
struct CopyReader {
    let home: Home

    func read<T>(_ copy: CopyRecord, _ consume: (any ByteSource) throws -> T) throws -> T {
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
            let sealed = try ArchiveReader.open(source)
            let header = sealed.header
            guard header.pseudonym == copy.pseudonym, header.setID == copy.setID, header.archiveID == copy.archiveID,
                  header.deleteBy == copy.deleteBy else {
                throw JobError.integrity("the archive stored at \(copy.objectKey) is not the copy the catalog recorded there (another customer's, another set's, or re-dated): restore from another copy")
            }
            let reader = try sealed.unseal(customerKey: customerKey, expiryKey: expiryKey)
            let result = try consume(reader)
            var scratch = [UInt8](repeating: 0, count: 1 << 16)
            while try scratch.withUnsafeMutableBytes({ try reader.read(into: $0) }) > 0 {}
            return result
        }
    }
}
