import Foundation
@testable import LetheCatalog
import LetheCore
import LethePolicy
@testable import LetheReport
import Testing

/// The report built straight from typed inputs, with no home, catalog file, key store or clock:
/// `RetentionReport.build` is a pure function of what it is given.
@Suite struct ReportBuildTests {
    static let at = ReportFixture.at
    static let now = at("2026-11-10T12:00:00Z")
    static let kept = Pseudonym("pkeptkeptkeptkeptkeptkeptk")
    static let erased = Pseudonym("perasederasederasederasede")

    static let policy = try! PolicyLoader.parse("""
        name: small
        timezone: UTC
        max_age: 190d
        local: { daily: 7d, weekly: 5w }
        offsite: { weekly: 5w, object_lock: governance }
        """, file: "policies/small.yaml")

    static func copy(_ id: Int64, _ pseudonym: Pseudonym, _ location: Location, state: CopyState,
                     deleteBy: String) -> CopyRecord {
        let set = SetID("20261103T020000Z-abcd"), archive = ArchiveID("a\(id)")
        return CopyRecord(id: id, archiveID: archive, setID: set, pseudonym: pseudonym, retentionClass: .weekly,
                          location: location, objectKey: .archive(pseudonym: pseudonym, set: set, archive: archive),
                          created: at("2026-11-03T02:00:00Z"), deleteBy: at(deleteBy), state: state, bytes: 100 * id)
    }

    static let copies = [
        copy(1, kept, .local, state: .live, deleteBy: "2026-12-08T00:00:00Z"),
        copy(2, kept, .offsite, state: .pending, deleteBy: "2026-11-10T00:00:00Z"),
        copy(3, erased, .local, state: .live, deleteBy: "2026-12-08T00:00:00Z"),
    ]

    /// A pending copy past its date whose upload failed, and a shred the key store holds but the
    /// ledger does not: the report says both, from the inputs alone.
    static func report(copies: [CopyRecord] = copies) -> RetentionReport {
        let failure = LedgerEvent.Recorded(sequence: 1, at: at("2026-11-09T02:00:00Z"), payload: LedgerEvent.CopyUploadFailed(
            copy: .init(copies.first { $0.id == 2 }!), error: "bucket gone"))
        let keyStore = RetentionReport.KeyStoreFindings(
            pendingShreds: [(pseudonym: erased, request: "REQ-9", shreddedAt: at("2026-11-10T09:00:00Z"))],
            owedRotation: "the key-encryption key of epoch 2 still exists")
        return RetentionReport.build(
            copies: copies, sets: [], events: .init(uploadFailures: [failure]), verification: LedgerVerification(events: 0), head: nil,
            keyStore: keyStore, plan: RetentionPlanner.plan(copies: copies, policy: policy, now: now), policy: policy,
            home: "/srv/lethe", signedWith: nil, now: now)
    }

    @Test func theReportIsAFunctionOfItsInputsAlone() throws {
        let report = Self.report()
        #expect(report == Self.report(copies: Self.copies.reversed()), "the order of the inputs changes nothing")
        #expect(report.generatedAt == Self.now && report.home == "/srv/lethe" && report.signedWith == nil)
        #expect(report.copies.map(\.bytes) == [300, 100, 200], "by set, pseudonym, then local before offsite")

        let pending = try #require(report.overdue.first)
        #expect(report.overdue.count == 1 && pending.location == .offsite && pending.state == .overdue)
        #expect(pending.overdueSeconds == 12 * 3_600 && pending.lastFailure == "bucket gone")
        #expect(pending.lastFailureAt == Self.at("2026-11-09T02:00:00Z"))

        let unfinished = try #require(report.unfinishedShred)
        #expect(unfinished.unrecorded.map(\.pseudonym) == [Self.erased] && unfinished.unrecorded.first?.listedCopies == 1)
        #expect(unfinished.owedRotation == "the key-encryption key of epoch 2 still exists")
        #expect(report.copies.filter { $0.unfinishedShred == .unrecorded }.map(\.pseudonym) == [Self.erased])
        #expect(report.summary.headline == "Interrupted shred; 1 copy overdue")
        #expect(report.summary.unfinishedShred && report.summary.problems.count == 3, "\(report.summary.problems)")

        #expect(report.policy.locations.map(\.location) == [.local, .offsite])
        #expect(report.policy.locations.map(\.objectLock) == ["none", "governance"])
        #expect(report.locations.map { $0.count(.live).copies } == [2, 0])
    }
}
