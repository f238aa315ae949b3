import Foundation
import LetheCatalog
import LetheCore
import LetheJobs
import LetheTestSupport
import Testing

/// `lethe verify` (structure): the catalog against what the store lists, on a real home.
@Suite struct StructureVerificationTests {
    static let customers: [String: [String: [UInt8]]] = [
        "alice": ["a.bin": randomBytes(20_000, seed: 1)], "bob": ["b.bin": randomBytes(20_000, seed: 2)],
        "carol": ["c.txt": Array("carol".utf8)],
    ]

    @Test func aHomeJustBackedUpAgreesWithItsStore() throws {
        let fixture = try JobFixture(customers: Self.customers)
        _ = try BackupJob(home: fixture.home()).run()
        let report = try StructureVerification(home: fixture.home()).run()
        #expect(report.copiesChecked == 3 && report.objectsListed == 3)
        #expect(report.findings.isEmpty && report.unreachable.isEmpty)
        let event = try #require(try fixture.home().catalog.events(kinds: ["structure.verified"]).last)
        #expect(event.details["findings"] == "0")
    }

    @Test func everyDisagreementIsNamedByObjectKey() throws {
        let fixture = try JobFixture(customers: Self.customers)
        _ = try BackupJob(home: fixture.home()).run()
        let home = try fixture.home()
        let copies = try home.catalog.copies().sorted { $0.objectKey < $1.objectKey }
        let file = { (copy: CopyRecord) in fixture.store.appendingPathComponent(copy.objectKey.rawValue) }
        try FileManager.default.removeItem(at: file(copies[0]))                        // lost
        try FileHandle(forWritingTo: file(copies[1])).truncate(atOffset: 100)            // cut short
        try home.catalog.updateCopy(copies[2].id, state: .deleted,                       // recorded deleted, still there
                                    event: LedgerEvent(kind: "copy.deleted", at: fixture.clock.now(), details: [:]))
        let stray = ObjectKey.archive(pseudonym: Pseudonym("pstray"), set: copies[0].setID, archive: ArchiveID("astray"))
        _ = try home.localStore.put(stray, lockUntil: nil) { try $0.write(Array("x".utf8)) }

        let report = try StructureVerification(home: fixture.home()).run()
        let problems = Dictionary(uniqueKeysWithValues: report.findings.map { ($0.objectKey, $0.problem) })
        #expect(problems.count == 4)
        #expect(problems[copies[0].objectKey]?.hasPrefix("missing from the store") == true)
        #expect(problems[copies[1].objectKey]?.hasPrefix("stored with 100 bytes, but the catalog recorded \(copies[1].bytes)") == true)
        #expect(problems[copies[2].objectKey]?.hasPrefix("still stored, though the catalog recorded it deleted") == true)
        #expect(problems[stray]?.hasPrefix("not in the catalog") == true)
        let event = try #require(try fixture.home().catalog.events(kinds: ["structure.verified"]).last)
        #expect(event.details["findings"] == "4")
    }

    /// A run that died after publishing an archive but before recording it left an object
    /// nothing refers to: the next run removes it and the structure agrees again.
    @Test func theNextRunRemovesArchivesADeadRunPublishedButNeverRecorded() throws {
        let fixture = try JobFixture(customers: Self.customers)
        _ = try BackupJob(home: fixture.home()).run()
        let home = try fixture.home()
        let dead = SetID("20261031T230000Z-dead")
        try home.catalog.beginSet(SetRecord(id: dead, created: fixture.clock.now(), retentionClass: .daily, state: .running, policy: "default"),
                                  event: LedgerEvent(kind: "set.started", at: fixture.clock.now(), details: ["set": dead.rawValue]))
        let unrecorded = ObjectKey.archive(pseudonym: Pseudonym("pdead"), set: dead, archive: ArchiveID("adead"))
        _ = try home.localStore.put(unrecorded, lockUntil: nil) { try $0.write(Array("sealed bytes".utf8)) }
        #expect(try StructureVerification(home: fixture.home()).run().findings.map(\.objectKey) == [unrecorded])

        fixture.clock.advance(by: 86_400)
        _ = try BackupJob(home: fixture.home()).run()
        #expect(try home.localStore.head(unrecorded) == nil)
        #expect(try fixture.home().catalog.sets().first { $0.id == dead }?.state == .failed)
        let report = try StructureVerification(home: fixture.home()).run()
        #expect(report.findings.isEmpty && report.copiesChecked == 6)
    }

    @Test func anUnreachableOffsiteStoreIsReportedNotChecked() throws {
        let fixture = try JobFixture(customers: Self.customers)
        _ = try BackupJob(home: fixture.home()).run()
        let down = FaultyObjectStore(wrapping: InMemoryObjectStore(location: .offsite, clock: fixture.clock))
        down.isDown = true
        let report = try StructureVerification(home: fixture.home(offsiteStore: down)).run()
        #expect(report.unreachable.count == 1 && report.unreachable[0].hasPrefix("offsite: "))
        #expect(report.findings.isEmpty && report.copiesChecked == 3)
    }
}
