import Foundation
import LetheCore
import LetheJobs
import LetheTestSupport
import Testing

/// The local store's layout: one folder per customer, one file per archive
/// (`archives/<pseudonym>/<set>-<archive>.lethe`), and no folder left behind empty.
@Suite struct StoreLayoutTests {
    static func at(_ text: String) -> Date { Timestamp.parse(text)! }

    /// The folders and files under `folder`, relative to it (folders end with "/").
    static func tree(_ folder: URL) -> [String] {
        var found: [String] = []
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isDirectoryKey])
        while let url = enumerator?.nextObject() as? URL {
            let isFolder = (try? url.resourceValues(forKeys: [.isDirectoryKey]))?.isDirectory == true
            found.append(String(url.standardizedFileURL.path.dropFirst(folder.standardizedFileURL.path.count + 1)) + (isFolder ? "/" : ""))
        }
        return found.sorted()
    }

    /// Two nights of two customers make two folders (one per customer) holding two files
    /// each, named after their set and archive: no folder per set or per archive.
    @Test func twoNightsMakeOneFolderPerCustomer() throws {
        let fixture = try JobFixture(customers: ["c1": ["a.txt": Array("one".utf8)], "c2": ["b.txt": Array("two".utf8)]],
                                     now: Self.at("2026-11-01T00:00:00Z"))
        for day in ["01", "02"] {
            fixture.clock.set(Self.at("2026-11-\(day)T02:00:00Z"))
            #expect(try BackupJob(home: fixture.home()).run().state == .complete)
        }
        let copies = try fixture.home().catalog.copies()
        #expect(copies.count == 4)
        for copy in copies {
            #expect(copy.objectKey.rawValue == "archives/\(copy.pseudonym)/\(copy.setID)-\(copy.archiveID).lethe")
        }
        let pseudonyms = Set(copies.map(\.pseudonym.rawValue)).sorted()
        let expected = (pseudonyms.map { "\($0)/" } + copies.map { String($0.objectKey.rawValue.dropFirst("archives/".count)) }).sorted()
        #expect(Self.tree(fixture.store.appendingPathComponent("archives")) == expected)
    }

    /// A customer whose every copy expired leaves no folder behind; the others keep theirs.
    @Test func expiryRemovesACustomerFolderLeftEmpty() throws {
        let fixture = try JobFixture(customers: ["c1": ["a.txt": Array("one".utf8)]], now: Self.at("2026-11-01T00:00:00Z"))
        for day in ["01", "02", "03"] {
            if day == "03" { try fixture.addFiles(["b.txt": Array("two".utf8)], to: "c2") }  // one daily copy only
            fixture.clock.set(Self.at("2026-11-\(day)T02:00:00Z"))
            #expect(try BackupJob(home: fixture.home()).run().state == .complete)
        }
        let home = try fixture.home()
        let late = try #require(try home.keys.keys(for: CustomerID("c2")!)?.pseudonym)
        let early = try #require(try home.keys.keys(for: CustomerID("c1")!)?.pseudonym)
        try FileManager.default.removeItem(at: fixture.source.appendingPathComponent("c2"))
        fixture.clock.set(Self.at("2026-11-10T02:00:00Z"))
        #expect(try ExpireJob(home: fixture.home()).run().state == .complete)
        let archives = fixture.store.appendingPathComponent("archives")
        #expect(!FileManager.default.fileExists(atPath: archives.appendingPathComponent(late.rawValue).path))
        #expect(Self.tree(archives).filter { $0.hasSuffix("/") } == ["\(early)/"])
    }

    /// A shred leaves the bytes to their delete-by (they are unreadable at once); the expiry
    /// that deletes the last of them removes the customer's folder too.
    @Test func aShreddedCustomerFolderGoesWithItsLastExpiredCopy() throws {
        let policy = "name: dailies\ntimezone: UTC\nmax_age: 30d\nlocal: { daily: 7d }\n"
        let fixture = try JobFixture(customers: ["c1": ["a.txt": Array("one".utf8)], "c2": ["b.txt": Array("two".utf8)]],
                                     now: Self.at("2026-11-01T00:00:00Z"), policy: policy)
        fixture.clock.set(Self.at("2026-11-01T02:00:00Z"))
        #expect(try BackupJob(home: fixture.home()).run().state == .complete)
        let home = try fixture.home()
        let kept = try #require(try home.keys.keys(for: CustomerID("c2")!)?.pseudonym)
        fixture.clock.set(Self.at("2026-11-02T02:00:00Z"))
        _ = try ShredJob(home: home).run(customer: CustomerID("c1")!, request: "REQ-1")
        try FileManager.default.removeItem(at: fixture.source.appendingPathComponent("c1"))
        fixture.clock.set(Self.at("2026-11-05T02:00:00Z"))
        #expect(try BackupJob(home: fixture.home()).run().state == .complete)
        fixture.clock.set(Self.at("2026-11-08T02:00:00Z"))
        let outcome = try ExpireJob(home: fixture.home()).run()
        #expect(outcome.state == .complete && outcome.count(.deleted) == 2)
        #expect(Self.tree(fixture.store.appendingPathComponent("archives")).filter { $0.hasSuffix("/") } == ["\(kept)/"])
    }
}
