import Foundation
import GRDB
import LetheCore
import LetheSQLite

/// What `lethe verify` found per copy (table `copy_findings`): recorded with the verify's ledger
/// event, read by `lethe list archives` and the report.
extension Catalog {
    /// Records what one verify run found, with its ledger event, in one transaction: every
    /// earlier finding of `check` on a copy at one of `locations` (those the run covered) is
    /// cleared, then `findings` are recorded, each with the state its copy is in now.
    ///
    /// - Parameters:
    ///   - check: the kind of verify that ran; the other kind's findings are left alone.
    ///   - locations: the locations it covered (a store it could not list is not among them).
    ///   - findings: what it found, on copies of those locations.
    ///   - event: its `structure.verified` or `copies.verified` event.
    public func recordCheck(_ check: CopyFinding.Check, locations: [Location], findings: [CopyFinding], event: LedgerEvent) throws {
        try write { db in
            if !locations.isEmpty {
                try db.execute(sql: """
                    DELETE FROM copy_findings WHERE source = ?
                    AND copy_id IN (SELECT id FROM copies WHERE location IN (\(locations.map { _ in "?" }.joined(separator: ","))))
                    """, arguments: StatementArguments([check.rawValue] + locations.map(\.rawValue)))
            }
            for finding in findings {
                try db.execute(sql: """
                    INSERT OR REPLACE INTO copy_findings(copy_id, source, kind, found, state)
                    SELECT id, ?, ?, ?, state FROM copies WHERE id = ?
                    """, arguments: [finding.check.rawValue, finding.kind.rawValue, seconds(finding.found), finding.copyID])
            }
            try append(event, db)
        }
    }

    /// The findings that hold now, by copy row id: a finding holds while its copy is in the state
    /// it was found in (a copy the expire run deleted or a shred marked since is not shown with
    /// it) and until a later verify of the same kind finds the copy whole; of a copy's findings,
    /// the newest.
    ///
    /// - Throws: `CatalogError.damaged` for a row Lethe never writes.
    public func copyFindings() throws -> [Int64: CopyFinding] {
        try read { db in
            let table = "copy_findings"
            var findings: [Int64: CopyFinding] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT f.copy_id, f.source, f.kind, f.found FROM copy_findings f
                JOIN copies c ON c.id = f.copy_id AND c.state = f.state ORDER BY f.found, f.source
                """) {
                let finding = CopyFinding(copyID: try row.value("copy_id", in: table),
                                          check: try row.value("source", in: table, CopyFinding.Check.init(rawValue:)),
                                          kind: try row.value("kind", in: table, CopyFinding.Kind.init(rawValue:)),
                                          found: try row.date("found", in: table))
                findings[finding.copyID] = finding
            }
            return findings
        }
    }
}
