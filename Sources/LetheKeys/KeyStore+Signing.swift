import Foundation
import GRDB
import LetheCore
import LetheCrypto
import LetheSQLite

/// The long-lived Ed25519 key that signs reports and shred receipts (minisign's format).
///
/// Its seed is a `secrets` row ('signing'), wrapped under the KEK like every other key and
/// re-wrapped at each rotation, but never replaced by one: the auditor receives its public key
/// once, out of band, and checks every later report against it. A shred or expiry never touches
/// it (it protects no customer's data).
extension KeyStore {
    /// The signing key, created on first use (homes made before it existed get one then).
    public func signingKeyCreatingIfNeeded() throws -> SigningKey {
        if let key = try signingKey() { return key }
        try write { db in
            let (epoch, kek) = try currentKEK(db)
            let seed = SecretKey.random()
            try db.execute(sql: "INSERT OR IGNORE INTO secrets(name, wrapped, epoch) VALUES ('signing', ?, ?)",
                           arguments: [Data(KeyWrap.wrap(seed, under: kek, context: WrapBinding.signingKey(epoch: epoch))), epoch])
        }
        guard let key = try signingKey() else { throw SQLiteFileError.invalidValue("secrets.wrapped of the signing key (missing)") }
        return key
    }

    /// The signing key, or nil while none was created.
    ///
    /// - Throws: `unwrapFailed` if its wrap does not open under the current KEK as a signing key.
    public func signingKey() throws -> SigningKey? {
        try read { db in try unwrapSigningSeed(db, under: try currentKEK(db).kek).map(SigningKey.init(seed:)) }
    }

    /// The unwrapped seed of the `secrets` row 'signing', or nil when there is none.
    func unwrapSigningSeed(_ db: Database, under kek: SecretKey) throws -> SecretKey? {
        guard let row = try Row.fetchOne(db, sql: "SELECT wrapped, epoch FROM secrets WHERE name = 'signing'") else { return nil }
        return try unwrap(try row.value("wrapped", in: "secrets"), under: kek,
                          context: WrapBinding.signingKey(epoch: try row.value("epoch", in: "secrets")), what: "signing key")
    }
}
