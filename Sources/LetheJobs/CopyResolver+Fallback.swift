import Foundation
import LetheCatalog
import LetheCore

extension CopyResolver {
    /// Reads `copy` with `attempt`, falling back to the offsite copy of the same archive when the
    /// local one is missing or fails authentication (damaged, cut short or swapped), no location
    /// was asked for (`pinned` is nil), the offsite store holds a readable copy and `canRetry`
    /// agrees (a stream that already sent bytes cannot start over).
    ///
    /// `attempt` must start from nothing each time it is called (a fresh staging folder, a new
    /// temporary file): what a failed attempt produced is never part of the next.
    ///
    /// - Throws: `attempt`'s error when there is no fallback (a local copy that failed
    ///   authentication says the offsite copy exists and names `--from offsite`, see
    ///   `pointingOffsite`); when the fallback fails too after a local authentication failure,
    ///   an integrity error naming both; after a missing local copy, the offsite copy's error.
    func read<T>(_ copy: CopyRecord, pinned: Location?, canRetry: () -> Bool = { true },
                 _ attempt: (CopyRecord) throws -> T) throws -> CopyRead<T> {
        do {
            return CopyRead(value: try attempt(copy), copy: copy, fallback: nil)
        } catch {
            let missing: Bool
            if case ObjectStoreError.notFound? = error as? ObjectStoreError { missing = true } else { missing = false }
            guard pinned == nil, copy.location == .local, missing || Self.failedAuthentication(error), canRetry(),
                  let offsite = try? otherCopy(of: copy, at: .offsite) else {
                throw pointingOffsite(error, reading: copy)
            }
            let fields = ["pseudonym": copy.pseudonym.rawValue, "set": copy.setID.rawValue, "fallback": "offsite"]
            home.log.warning(missing ? "restore.local_missing" : "read.local_damaged", fields)
            let fallback = missing ? "the local copy is missing from the local store"
                                   : "the local copy failed authentication (\(Self.reason(error)))"
            do {
                return CopyRead(value: try attempt(offsite), copy: offsite, fallback: fallback)
            } catch let offsiteError {
                if missing { throw offsiteError }
                throw JobError.integrity("\(fallback); the offsite copy of the same archive could not be read either: \(Self.reason(offsiteError))")
            }
        }
    }

    /// The error to report when reading `copy` failed with `error`: when the local copy failed
    /// authentication (damaged, cut short or swapped) and the offsite store holds a readable copy
    /// of the same archive, an integrity error that says so and names `--from offsite`; `error`
    /// itself otherwise.
    func pointingOffsite(_ error: any Error, reading copy: CopyRecord) -> any Error {
        guard copy.location == .local, Self.failedAuthentication(error),
              (try? otherCopy(of: copy, at: .offsite)) != nil else { return error }
        home.log.warning("read.local_damaged", ["pseudonym": copy.pseudonym.rawValue, "set": copy.setID.rawValue,
                                                "offsite": "available"])
        return JobError.integrity("the local copy: \(Self.reason(error)); the offsite store holds a copy of this archive: run again with --from offsite")
    }

    /// Whether `error` says the bytes read did not authenticate (integrity).
    static func failedAuthentication(_ error: any Error) -> Bool {
        (error as? any ClassifiedError)?.failureClass == .integrity
    }

    /// `error`'s message, without the `JobError.integrity` wrapping.
    static func reason(_ error: any Error) -> String {
        if case JobError.integrity(let text) = error { return text }
        return String(describing: error)
    }
}
