import Foundation
import LetheCatalog
import LetheCore

/// One disagreement between the catalog and a store, found by `lethe verify`.
public struct StructureFinding: Codable, Sendable, Equatable {
    public var location: Location
    public var objectKey: ObjectKey
    public var problem: String
    /// The catalogued copy it is about and what is wrong with it, recorded in the catalog for
    /// `list` and the report; nil for an object no copy names (an unknown archive, an extra
    /// version, an unfinished upload). Not encoded.
    var copy: (id: Int64, kind: CopyFinding.Kind)?

    enum CodingKeys: String, CodingKey { case location, objectKey, problem }

    public static func == (a: StructureFinding, b: StructureFinding) -> Bool {
        (a.location, a.objectKey, a.problem) == (b.location, b.objectKey, b.problem) && a.copy?.id == b.copy?.id && a.copy?.kind == b.copy?.kind
    }
}

/// What `lethe verify` (the structural check) found.
public struct StructureReport: Codable, Sendable {
    /// Catalogued copies compared with the stores (every state: deleted ones must be gone).
    public var copiesChecked: Int
    /// Of those, the copies the catalog says are stored (live or overdue).
    public var copiesExpected: Int
    /// Objects the stores listed.
    public var objectsListed: Int
    /// Every disagreement, by location and object key.
    public var findings: [StructureFinding]
    /// Locations that could not be listed, with the reason (nothing there was checked).
    public var unreachable: [String]

    enum CodingKeys: String, CodingKey {
        case copiesChecked = "copies_checked", copiesExpected = "copies_expected", objectsListed = "objects_listed", findings, unreachable
    }
}

/// `lethe verify` without flags: compares the catalog with what each store lists, without
/// reading any archive. Every copy the catalog says is there (live, overdue) must be stored
/// with its recorded size; a copy marked deleted must be gone; an archive object the catalog
/// does not know is reported; in an S3 store, so is any version beyond a key's one current
/// version and any unfinished multipart upload under `archives/`. Records the result in the
/// ledger, and each finding on a copy in the catalog (`list archives` and the report show it).
public struct StructureVerification: Sendable {
    let home: Home

    public init(home: Home) { self.home = home }

    public func run() throws -> StructureReport {
        try home.checkOffsiteTransport()
        var report = StructureReport(copiesChecked: 0, copiesExpected: 0, objectsListed: 0, findings: [], unreachable: [])
        let locations: [Location] = home.offsiteConfigured ? [.local, .offsite] : [.local]
        var listed: [Location] = []
        for location in locations {
            let copies = try home.catalog.copies(location: location)
            let stored: [StoredObject]
            do {
                stored = try home.store(for: location).list(prefix: ObjectKey.archivePrefix)
            } catch {
                report.unreachable.append("\(location.rawValue): \(error)")
                continue
            }
            listed.append(location)
            report.copiesChecked += copies.count
            report.copiesExpected += copies.filter { $0.state == .live || $0.state == .overdue }.count
            report.objectsListed += stored.count
            report.findings += Self.compare(copies, with: stored, at: location)
            do {
                report.findings += try versionedStoreFindings(at: location, current: stored)
            } catch {
                report.unreachable.append("\(location.rawValue) versions and multipart uploads: \(error)")
            }
        }
        report.findings.sort { ($0.location.rawValue, $0.objectKey) < ($1.location.rawValue, $1.objectKey) }
        let now = home.clock.now()
        // The findings on copies, with the event: a listed location's earlier ones are cleared.
        try home.catalog.recordCheck(.structure, locations: listed, findings: report.findings.compactMap { finding in
            finding.copy.map { CopyFinding(copyID: $0.id, check: .structure, kind: $0.kind, found: now) }
        }, event: LedgerEvent(LedgerEvent.StructureVerified(
            copies: report.copiesChecked, objects: report.objectsListed, findings: report.findings.count,
            findingKeys: report.findings.map(\.objectKey), unreachable: report.unreachable.map { String($0.prefix { $0 != ":" }) }),
            at: now))
        return report
    }

    /// The disagreements between one location's catalog rows and its listing.
    static func compare(_ copies: [CopyRecord], with stored: [StoredObject], at location: Location) -> [StructureFinding] {
        var listed = Dictionary(stored.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        var findings: [StructureFinding] = []
        func finding(_ key: ObjectKey, _ problem: String, copy: (id: Int64, kind: CopyFinding.Kind)? = nil) {
            findings.append(StructureFinding(location: location, objectKey: key, problem: problem, copy: copy))
        }
        for copy in copies {
            let object = listed.removeValue(forKey: copy.objectKey)
            switch copy.state {
            case .live, .overdue:
                if let object {
                    if object.size != copy.bytes {
                        finding(copy.objectKey, "stored with \(object.size) bytes, but the catalog recorded \(copy.bytes): run `lethe verify --copies`, and restore from another copy if it fails", copy: (copy.id, .wrongSize))
                    }
                } else {
                    finding(copy.objectKey, "missing from the store, though the catalog says it is \(copy.state.rawValue): that copy is lost; the customer's other copies still restore", copy: (copy.id, .missing))
                }
            case .deleted:
                if object != nil {
                    finding(copy.objectKey, "still stored, though the catalog recorded it deleted: delete it from the store by hand", copy: (copy.id, .stillStored))
                }
            case .pending, .shredded:
                break  // pending: the next run uploads or adopts it; shredded: unreadable, removed on its delete-by
            }
        }
        for key in listed.keys.sorted() {
            finding(key, "not in the catalog: placed there by hand or by another home sharing the store, or published by a run that died before recording it (the next backup removes those)")
        }
        return findings.sorted { ($0.location.rawValue, $0.objectKey) < ($1.location.rawValue, $1.objectKey) }
    }
}
