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

    init(_ events: [LedgerEvent]) {
        for event in events {
            if event.kind == RetentionReport.LedgerKind.deleteFailed {
                let (copy, failure) = RetentionReport.deleteFailure(event)
                if let copy { deletions[copy] = failure }
            }
            if event.kind == RetentionReport.LedgerKind.uploadFailed {
                let (location, key, failure) = RetentionReport.uploadFailure(event)
                if let location, let key { uploads[location, default: [:]][key] = failure }
            }
        }
    }

    /// A pending copy's last upload failure, any other copy's last deletion failure.
    func last(for copy: CopyRecord) -> CopyFailure? {
        copy.state == .pending ? uploads[copy.location]?[copy.objectKey] : deletions[copy.id]
    }
}
