import Foundation
import LetheCatalog
import LetheCore

/// The last failure the ledger records for a copy: an error and when.
struct CopyFailure {
    var error: String?
    var at: Date
}

/// The last recorded failure of each copy: deletions by copy id, uploads (of pending copies) by
/// location and object key.
struct LastFailures {
    private var deletions: [Int64: CopyFailure] = [:]
    private var uploads: [Location: [ObjectKey: CopyFailure]] = [:]

    init(_ events: RetentionReport.LedgerHistory) {
        for event in events.deleteFailures {
            if let copy = event.payload.copy.copyID { deletions[copy] = CopyFailure(error: event.payload.error, at: event.at) }
        }
        for event in events.uploadFailures {
            if let key = event.payload.copy.objectKey {
                uploads[event.payload.copy.location, default: [:]][key] = CopyFailure(error: event.payload.error, at: event.at)
            }
        }
    }

    /// A pending copy's last upload failure, any other copy's last deletion failure.
    func last(for copy: CopyRecord) -> CopyFailure? {
        copy.state == .pending ? uploads[copy.location]?[copy.objectKey] : deletions[copy.id]
    }
}
