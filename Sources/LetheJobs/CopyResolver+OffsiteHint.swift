import Foundation
import LetheCatalog
import LetheCore

extension CopyResolver {
    /// The error to report when reading `copy` failed with `error`: when the local copy failed
    /// authentication (damaged, cut short or swapped) and the offsite store holds a readable copy
    /// of the same archive, an integrity error that says so and names `--from offsite`; `error`
    /// itself otherwise.
    func pointingOffsite(_ error: any Error, reading copy: CopyRecord) -> any Error {
        guard copy.location == .local, (error as? any ClassifiedError)?.failureClass == .integrity,
              (try? otherCopy(of: copy, at: .offsite)) != nil else { return error }
        let why: String
        if case JobError.integrity(let text) = error { why = text } else { why = String(describing: error) }
        home.log.warning("read.local_damaged", ["pseudonym": copy.pseudonym.rawValue, "set": copy.setID.rawValue,
                                                "offsite": "available"])
        return JobError.integrity("the local copy: \(why); the offsite store holds a copy of this archive: run again with --from offsite")
    }
}
