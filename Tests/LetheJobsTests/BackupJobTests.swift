import Foundation
import LetheCore
import LetheJobs
import LetheTestSupport
import Testing

@Suite struct BackupJobTests {
    /// Customer ids appear in no object key, store path, log line or file of the home.
    @Test func customerIdsStayOutOfKeysPathsAndLogs() throws {
        let fixture = try JobFixture(customers: ["alice-smith": ["a.txt": Array("alice".utf8)], "bob-jones": ["b.txt": Array("b".utf8)]])
        // The home stays open while its files are read: closing its databases removes their WAL
        // files, which must not happen between listing and reading them.
        let home = try fixture.home()
        defer { withExtendedLifetime(home) {} }
        let outcome = try BackupJob(home: home).run()
        #expect(outcome.state == .complete)
        let ids = ["alice-smith", "bob-jones"]
        for file in fixture.homeFiles() {
            #expect(!ids.contains { file.path.contains($0) })
            let bytes = [UInt8](try Data(contentsOf: file))
            for id in ids { #expect(!bytes.contains(bytes: Array(id.utf8)), "\(id) found in \(file.lastPathComponent)") }
        }
        #expect(!fixture.logLines.isEmpty)
        for line in fixture.logLines { #expect(!ids.contains { line.contains($0) }, "\(line)") }
        for copy in try Inventory(home: fixture.home()).copies() {
            #expect(!ids.contains { copy.object_key.contains($0) })
            #expect(copy.object_key.hasPrefix("archives/\(copy.pseudonym)/"))
        }
    }

    /// N archives have N distinct data keys: their wrapped keys and stream headers all differ,
    /// even for identical content.
    @Test func everyArchiveHasItsOwnKeyAndStreamHeader() throws {
        var customers: [String: [String: [UInt8]]] = [:]
        for n in 0..<10 { customers["c\(n)"] = ["same.txt": Array("identical content".utf8)] }
        let fixture = try JobFixture(customers: customers)
        _ = try BackupJob(home: fixture.home()).run()
        fixture.clock.advance(by: 86_400)
        _ = try BackupJob(home: fixture.home()).run()
        let copies = try Inventory(home: fixture.home()).copies()
        #expect(copies.count == 20)
        var wrappedKeys = Set<[UInt8]>()
        var streamHeaders = Set<[UInt8]>()
        for copy in copies {
            let bytes = [UInt8](try Data(contentsOf: fixture.store.appendingPathComponent(copy.object_key)))
            let headerEnd = 14 + Int(bytes[10]) << 24 + Int(bytes[11]) << 16 + Int(bytes[12]) << 8 + Int(bytes[13])
            wrappedKeys.insert(Array(bytes[headerEnd..<headerEnd + 72]))
            streamHeaders.insert(Array(bytes[headerEnd + 72..<headerEnd + 96]))
        }
        #expect(wrappedKeys.count == 20)
        #expect(streamHeaders.count == 20)
    }

    /// One customer failing does not stop the others: the set is partial, the rest committed and restorable.
    @Test func oneFailingCustomerLeavesThePartialSetCommitted() throws {
        let fixture = try JobFixture(customers: ["a": ["a.txt": Array("a".utf8)], "b": ["b.txt": Array("b".utf8)], "c": ["c.txt": Array("c".utf8)]])
        let store = try FaultyObjectStore(wrapping: fixture.home().localStore)
        store.dropNextPut(after: 10)
        let outcome = try BackupJob(home: fixture.home(localStore: store)).run()
        #expect(outcome.state == .partial)
        #expect(outcome.customers.filter { $0.status == .failed }.count == 1)
        #expect(outcome.customers.filter { $0.status == .committed }.count == 2)
        let copies = try Inventory(home: fixture.home()).copies()
        #expect(copies.count == 2)
        for copy in copies { #expect(FileManager.default.fileExists(atPath: fixture.store.appendingPathComponent(copy.object_key).path)) }
        let temporaries = (FileManager.default.enumerator(atPath: fixture.store.path)?.allObjects as? [String] ?? []).filter { $0.contains(".tmp") }
        #expect(temporaries.isEmpty)
    }

    /// The round trip through the jobs: byte for byte, modes, mtimes, empty folders, symlinks, UTF-8 names.
    @Test func backupThenRestoreRoundTripsTheTree() throws {
        let fixture = try JobFixture(customers: ["alice": ["pages/Zürich 東京 🎉.md": Array("ü".utf8), "big.bin": randomBytes(3 << 20, seed: 5),
                                                           "empty.txt": []]])
        let customer = fixture.source.appendingPathComponent("alice")
        try FileManager.default.createDirectory(at: customer.appendingPathComponent("empty-folder"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: customer.appendingPathComponent("link").path, withDestinationPath: "pages")
        try FileManager.default.setAttributes([.posixPermissions: 0o640, .modificationDate: Date(timeIntervalSince1970: 1_700_000_000)],
                                              ofItemAtPath: customer.appendingPathComponent("big.bin").path)
        _ = try BackupJob(home: fixture.home()).run()
        let target = fixture.root.url.appendingPathComponent("restored")
        let outcome = try RestoreJob(home: fixture.home()).run(customer: CustomerID("alice")!, set: nil, from: nil, to: target)
        #expect(outcome.files == 3)
        let diff = Process()
        diff.executableURL = URL(fileURLWithPath: "/usr/bin/diff")
        diff.arguments = ["-r", "--no-dereference", customer.path, target.path]
        try diff.run()
        diff.waitUntilExit()
        #expect(diff.terminationStatus == 0)
        let attributes = try FileManager.default.attributesOfItem(atPath: target.appendingPathComponent("big.bin").path)
        #expect((attributes[.posixPermissions] as? Int) == 0o640)
        #expect((attributes[.modificationDate] as? Date) == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: target.appendingPathComponent("link").path) == "pages")
        #expect(FileManager.default.fileExists(atPath: target.appendingPathComponent("empty-folder").path))
    }
}
