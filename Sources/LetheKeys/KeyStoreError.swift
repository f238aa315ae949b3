import Foundation
import LetheCore
import LetheSQLite

/// What can go wrong with keys, in the key hierarchy's terms.
public enum KeyStoreError: Error, CustomStringConvertible {
    /// The key store database is missing, or cannot be read right now (busy, permissions, disk).
    case storeUnavailable(String, reason: String)
    /// The key store file is damaged: SQLite cannot read it, or a row holds something Lethe
    /// never writes (exit 3). Never a crash: every row is read through throwing accessors.
    case storeDamaged(SQLiteDamage)
    /// Another process held the key store locked for longer than the busy timeout (exit 6).
    case storeBusy(String)
    /// A key directory cannot be read or written.
    case keyDirectoryUnavailable(String, reason: String)
    /// The current epoch's KEK is in none of the key directories.
    case kekMissing(epoch: Int, directory: String)
    /// A key file is not a key, or not the KEK the key store expects.
    case kekCorrupt(epoch: Int, directory: String)
    /// No key directory yields the current epoch's KEK: each one, with what is wrong with it.
    case kekUnavailable(epoch: Int, problems: [(path: String, problem: KeyDirectoryProblem)])
    /// The customer is not known to the key store.
    case unknownCustomer
    /// The customer was crypto-shredded; nothing of theirs can be read or written again.
    case customerShredded(on: Date, request: String)
    /// No customer key for a pseudonym (shredded, or never existed).
    case unknownPseudonym(Pseudonym)
    /// The expiry key of a delete-by date was destroyed: every copy due that day is unreadable.
    case expiryKeyDestroyed(deleteBy: Date)
    /// No expiry key for a date that a copy names.
    case unknownExpiryKey(deleteBy: Date)
    /// A wrapped key failed to unwrap: the key store or a key file was altered.
    case unwrapFailed(String)
    /// An earlier shred or rotation did not finish destroying the old epoch.
    case rotationIncomplete(String)
    /// An escrowed KEK from another epoch than the key store's.
    case escrowStale(escrowed: Int, current: Int)
    /// An escrowed KEK whose fingerprint is not the current epoch's KEK.
    case escrowMismatch(epoch: Int)
    /// A key store or escrow older than the newest epoch a key or escrow directory has witnessed (exit 3).
    case olderThanWitnessed(what: String, epoch: Int, witnessed: Int, folder: String)
    /// An escrow directory cannot be read or written (a rotation that cannot seal the new KEK
    /// there stays owed, like one that cannot reach a key directory).
    case escrowDirectoryUnavailable(String, reason: String)
    /// A sealed escrow file that is not one, sealed to another recovery key, or altered.
    case sealedEscrowInvalid(String, reason: String)
    /// No key or escrow directory witnesses any epoch, so nothing can say the escrow is not
    /// older than a shred: recovery needs the operator's explicit `--accept-epoch` (exit 3).
    case noWitness(epoch: Int)
    /// `--accept-epoch` named another epoch than the escrow's (exit 3).
    case acceptedEpochMismatch(accepted: Int, escrowed: Int)

    public var description: String {
        switch self {
        case .storeUnavailable(let path, let reason): return SQLiteFileProblem.unavailable("key store", path, reason: reason)
        case .storeDamaged(let damage):
            return SQLiteFileProblem.damaged(damage, "the customer and expiry keys in it cannot be trusted", restore: "from your latest "
                + "backup of the home taken since the last key rotation (an older copy is inert by design: `lethe keys status` shows the epoch)",
                then: "`lethe verify --copies`")
        case .storeBusy(let path): return SQLiteFileProblem.busy("key store", path)
        case .keyDirectoryUnavailable(let path, let reason): return Self.folderUnavailable("key directory", path, reason)
        case .kekMissing(let epoch, let directory):
            return "the key-encryption key of epoch \(epoch) is missing from \(directory): \(Self.restoreKEK)"
        case .kekCorrupt(let epoch, let directory):
            return "the key file of epoch \(epoch) in \(directory) is damaged or not the expected key: \(Self.restoreKEK)"
        case .kekUnavailable(let epoch, let problems):
            return "the key-encryption key of epoch \(epoch) cannot be read from any key directory: "
                + problems.map { "\($0.path) \($0.problem)" }.joined(separator: "; ") + ". To fix it: "
                + KeyDirectoryProblem.adviceWhenNoneHoldsTheKey(problems.map(\.problem))
        case .unknownCustomer:
            return "no such customer: nothing was ever backed up for them"
        case .customerShredded(let date, let request):
            return "customer shredded on \(Timestamp.iso(date)) (request \(request)): nothing can be restored or exported"
        case .unknownPseudonym(let pseudonym):
            return "no customer key for \(pseudonym): the customer was shredded or the archive is foreign"
        case .expiryKeyDestroyed(let date):
            return "the copy expired on \(Timestamp.iso(date)) and its expiry key was destroyed: it can no longer be read"
        case .unknownExpiryKey(let date):
            return "no expiry key for delete-by \(Timestamp.iso(date)): the archive is foreign or was re-dated"
        case .unwrapFailed(let what):
            return "the \(what) did not authenticate under the current key-encryption key: the key store or a key file was altered"
        case .rotationIncomplete(let why):
            return "a key rotation is incomplete (\(why)): run `lethe keys rotate` to finish it"
        case .olderThanWitnessed(let what, let epoch, let witnessed, let folder):
            return "the \(what) is at key epoch \(epoch), but \(folder) has seen epoch \(witnessed): it is older than the "
                + "newest key store (restored from a host backup taken before a shred or an expiry?), and using it would bring back what "
                + "those erased. Nothing was changed: put back the current key store, or recover with the current escrow"
        case .escrowDirectoryUnavailable(let path, let reason): return Self.folderUnavailable("escrow directory", path, reason)
        case .sealedEscrowInvalid(let file, let reason):
            return "the sealed escrow \(file) cannot be used (\(reason)): use the recovery key this home was set up with, or another escrow directory"
        case .noWitness(let epoch):
            return "no key directory or escrow directory is left to witness the newest key epoch, so nothing shows that this escrow "
                + "(epoch \(epoch)) is not older than a later shred. Nothing was changed. If you are sure the key store and the escrow are "
                + "the newest ones (check the ledger or the last shred receipt), run again with --accept-epoch \(epoch); it is recorded in the ledger"
        case .acceptedEpochMismatch(let accepted, let escrowed):
            return "--accept-epoch \(accepted) does not match the escrow's epoch \(escrowed): nothing was changed; check which escrow you hold"
        case .escrowStale(let escrowed, let current):
            return "the escrow holds the key-encryption key of epoch \(escrowed), but the key store is at epoch \(current): "
                + (escrowed < current
                    ? "keys were rotated since (every shred rotates), so this escrow cannot open them; use the escrow taken after the latest rotation"
                    : "the escrow is from another home or the key store was restored from an older copy")
        case .escrowMismatch(let epoch):
            return "the escrowed key is not the key-encryption key of epoch \(epoch) (its fingerprint differs): it belongs to another home, or the escrow was altered"
        }
    }
}

extension KeyStoreError {
    /// What to do about a missing or damaged KEK file.
    static let restoreKEK = "restore it from a mirror, or from escrow: `lethe keys recover --recovery-key FILE` (sealed escrow) "
        + "or `lethe keys recover --escrow FILE` (raw)"

    /// A key or escrow directory that cannot be read or written: a rotation stays owed until it can.
    static func folderUnavailable(_ kind: String, _ path: String, _ reason: String) -> String {
        "\(kind) \(path) is unavailable (\(reason)): mount or repair it, then run `lethe keys rotate` to finish"
    }
}

extension KeyStoreError: ClassifiedError {
    /// The class of each case (the exit status the command line gives it).
    public var failureClass: FailureClass {
        switch self {
        case .customerShredded: return .shredded
        case .unknownCustomer: return .notFound
        case .unwrapFailed, .unknownExpiryKey, .storeDamaged, .olderThanWitnessed, .noWitness, .acceptedEpochMismatch,
             .sealedEscrowInvalid:
            return .integrity
        case .storeBusy: return .busy
        case .storeUnavailable, .keyDirectoryUnavailable, .kekMissing, .kekCorrupt, .kekUnavailable, .unknownPseudonym, .expiryKeyDestroyed,
             .rotationIncomplete, .escrowStale, .escrowMismatch, .escrowDirectoryUnavailable:
            return .failed
        }
    }
}
