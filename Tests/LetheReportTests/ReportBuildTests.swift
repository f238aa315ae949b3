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

    /// A clean `lethe verify` at `at`.
    static func structureCheck(at time: String, findings: Int = 0) -> LedgerEvent.Recorded<LedgerEvent.StructureVerified> {
        LedgerEvent.Recorded(sequence: 2, at: at(time), payload: LedgerEvent.StructureVerified(
            copies: 3, objects: 2, findings: findings, findingKeys: [], unreachable: []))
    }

    /// A pending copy past its date whose upload failed, and a shred the key store holds but the
    /// ledger does not: the report says both, from the inputs alone.
    static func report(copies: [CopyRecord] = copies, offsiteStore: Bool = true, findings: [Int64: CopyFinding] = [:],
                       structureCheck: LedgerEvent.Recorded<LedgerEvent.StructureVerified>? = structureCheck(at: "2026-11-10T06:00:00Z"))
        -> RetentionReport {
        let failure = LedgerEvent.Recorded(sequence: 1, at: at("2026-11-09T02:00:00Z"), payload: LedgerEvent.CopyUploadFailed(
            copy: .init(copies.first { $0.id == 2 }!), error: "bucket gone"))
        let keyStore = RetentionReport.KeyStoreFindings(
            pendingShreds: [(pseudonym: erased, request: "REQ-9", shreddedAt: at("2026-11-10T09:00:00Z"))],
            owedRotation: "the key-encryption key of epoch 2 still exists")
        return RetentionReport.build(
            copies: copies, sets: [], events: .init(uploadFailures: [failure], lastStructureCheck: structureCheck),
            verification: LedgerVerification(events: 0), head: nil,
            keyStore: keyStore, plan: RetentionPlanner.plan(copies: copies, policy: policy, now: now), policy: policy,
            home: "/srv/lethe", offsiteStore: offsiteStore, findings: findings, signedWith: nil, now: now)
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
        #expect(!report.summary.ok)
        #expect(report.summary.unfinishedShred && report.summary.problems.count == 3, "\(report.summary.problems)")

        #expect(report.policy.locations.map(\.location) == [.local, .offsite])
        #expect(report.policy.locations.map(\.objectLock) == ["none", "governance"])
        #expect(report.locations.map { $0.count(.live).copies } == [2, 0])
    }

    /// A policy with an offsite tier and a home without an offsite store: not green, and the
    /// headline and a problem say so and how to fix it.
    @Test func anOffsiteTierWithoutAStoreIsAProblem() {
        let report = Self.report(offsiteStore: false)
        #expect(!report.summary.ok)
        #expect(report.summary.headline.contains("no offsite store"))
        #expect(report.summary.problems.contains { $0.contains("policies/small.yaml") && $0.contains("remove the offsite block") })
        #expect(!Self.report(offsiteStore: false).html().contains("verdict good"))
    }

    /// The last verify's result and age: a finding on a copy shows on it and makes the verdict red;
    /// no verify, or one older than eight days, too; one within eight days does not.
    @Test func verificationResultAndAgeDecideTheVerdict() throws {
        let found = Self.at("2026-11-10T06:00:00Z")
        let marked = Self.report(findings: [1: CopyFinding(copyID: 1, check: .structure, kind: .missing, found: found)],
                                 structureCheck: Self.structureCheck(at: "2026-11-10T06:00:00Z", findings: 1))
        #expect(marked.copies.first { $0.bytes == 100 }?.finding == .missing)
        #expect(marked.copies.first { $0.bytes == 100 }?.found == found)
        #expect(marked.verification.copiesWithFindings == 1 && marked.verification.structure?.findings == 1)
        #expect(marked.summary.headline.contains("Verify found problems"))
        #expect(marked.csv().contains(",missing\r\n"))

        let never = Self.report(structureCheck: nil)
        #expect(never.verification.ageSeconds == nil && never.summary.headline.hasSuffix("Never verified: run `lethe verify`"))
        let limit = Self.now.addingTimeInterval(-Double(RetentionReport.verificationMaxAgeSeconds))
        let edge = Self.report(structureCheck: Self.structureCheck(at: Timestamp.iso(limit)))
        #expect(edge.verification.ageSeconds == RetentionReport.verificationMaxAgeSeconds && !edge.verification.isStale)
        let stale = Self.report(structureCheck: Self.structureCheck(at: Timestamp.iso(limit.addingTimeInterval(-1))))
        #expect(stale.verification.isStale && stale.summary.headline.contains("Last verified 8 days ago"))
        #expect(!stale.summary.ok && !Self.report().verification.isStale)
    }
}
