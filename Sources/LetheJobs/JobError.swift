import Foundation
import LetheCore
import LetheKeys

/// What can go wrong in a job, in the operator's terms. The CLI maps these to exit codes.
public enum JobError: Error, CustomStringConvertible {
    /// No Lethe home at that path.
    case homeMissing(String)
    /// `init` found a home already there.
    case homeExists(String)
    /// The configuration is invalid (exit 64).
    case invalidConfiguration(String)
    /// The customer has no backups (exit 5).
    case unknownCustomer
    /// No such set, or the customer has no copy in it (exit 5).
    case notFound(String)
    /// A shred named customers never backed up (exit 5): their positions (from 0) among `of` ids,
    /// and those among them whose id differs only in Unicode normalisation from a customer
    /// backed up or a folder of the source root (`twins`).
    case neverBackedUp(positions: [Int], of: Int, twins: [Int])
    /// Another run holds the lock (exit 6).
    case busy(String)
    /// The customer was shredded (exit 4); described as the key store describes it.
    case customerShredded(on: Date, request: String)
    /// Data read back failed authentication or does not belong where it was found (exit 3).
    case integrity(String)
    /// The restore target is not empty; nothing was written.
    case targetNotEmpty(String)
    /// The export output file already exists; nothing was written.
    case outputExists(String)
    /// The key hierarchy is not in a state where this may run (exit 1).
    case keysNotReady(String)
    /// The clock reads earlier than the last recorded run.
    case clockWentBack(now: Date, last: Date)
    /// Anything else that failed with nothing committed (exit 1).
    case failed(String)
    /// An escrow file that is not what `lethe keys escrow --raw` writes.
    case invalidEscrow(String)
    /// The request cannot be carried out as asked (a restore target inside the source root, a
    /// `--customer` that can never be a customer); nothing was done (exit 64).
    case invalidRequest(String)
    /// The store's ledger-head marker is not an event of this home's ledger: another copy of
    /// this home wrote to the store since (or this home's catalog is older than the store's).
    /// `store` names it ("local store PATH", "offsite bucket NAME at ENDPOINT"), `fix` says what to do.
    case storeWrittenByAnotherCopy(store: String, marker: Int64, head: Int64, fix: String)

    public var description: String {
        switch self {
        case .homeMissing(let path):
            return "no Lethe home at \(path): create one with `lethe init --home \(path) --source DIR`, or set LETHE_HOME"
        case .homeExists(let path):
            return "\(path) is already a Lethe home: nothing was changed (remove it first to start over)"
        case .invalidConfiguration(let why): return "invalid configuration: \(why)"
        case .unknownCustomer: return "unknown customer: nothing was ever backed up for them (check the id)"
        case .notFound(let what): return "not found: \(what)"
        case .neverBackedUp(let positions, let count, let twins):
            let which = count == 1 ? "no customer with that id was ever backed up"
                : "entries \(positions.map { String($0 + 1) }.joined(separator: ", ")) of the \(count) name no customer ever backed up; nobody was shredded"
            let twin = twins.isEmpty ? "" : count == 1
                ? ". The id differs only in Unicode normalisation (NFC/NFD) from a customer id or a folder of the source root: ids are compared byte for byte, so give it exactly as the folder is named (e.g. `ls SOURCE | grep … | lethe shred --customer - …`)"
                : ". Entries \(twins.map { String($0 + 1) }.joined(separator: ", ")) differ only in Unicode normalisation (NFC/NFD) from a customer id or a folder of the source root: give them byte for byte as the folders are named"
            return "not found: \(which) (check the id: spelling and Unicode normalisation count)\(twin); "
                + "to erase a customer before their first backup, so that every future backup refuses them, run `lethe shred --not-yet-backed-up`"
        case .busy(let what): return "another Lethe run holds the \(what) lock: wait for it to finish, then try again"
        case .customerShredded(let date, let request):
            return KeyStoreError.customerShredded(on: date, request: request).description
        case .integrity(let why): return "integrity check failed: \(why)"
        case .targetNotEmpty(let path): return "the restore target \(path) exists and is not empty: choose a new or empty folder"
        case .outputExists(let path): return "\(path) already exists: choose a new file name (nothing was written)"
        case .keysNotReady(let why): return why
        case .clockWentBack(let now, let last):
            return "the clock reads \(Timestamp.iso(now)), earlier than the last recorded run at \(Timestamp.iso(last)): fix the clock (or LETHE_NOW); nothing was changed"
        case .failed(let why): return why
        case .invalidEscrow(let why): return "the escrow is not a Lethe key escrow (\(why)): pass the file `lethe keys escrow --raw` wrote, or recover from the sealed escrow with --recovery-key FILE"
        case .invalidRequest(let why): return why
        case .storeWrittenByAnotherCopy(let store, let marker, let head, let fix):
            return "this store was written by another copy of this home: the \(store) was last written by a home whose ledger "
                + "reached event \(marker), which this home's ledger (at event \(head)) does not hold. Nothing was written. \(fix)"
        }
    }
}

extension JobError: ClassifiedError {
    /// The class of each case (the exit status the command line gives it).
    public var failureClass: FailureClass {
        switch self {
        case .invalidConfiguration, .invalidEscrow, .invalidRequest: return .usage
        case .unknownCustomer, .notFound, .neverBackedUp: return .notFound
        case .busy: return .busy
        case .customerShredded: return .shredded
        case .integrity: return .integrity
        case .homeMissing, .homeExists, .targetNotEmpty, .outputExists, .keysNotReady, .clockWentBack, .failed,
             .storeWrittenByAnotherCopy: return .failed
        }
    }
}
