import Foundation
import LetheCore
import LetheJobs
import LetheTestSupport
import Testing

/// Customer ids are the source folders' exact bytes: listed with readdir, never normalised.
@Suite struct CustomerIDBytesTests {
    static let nfd: [UInt8] = Array("Cafe".utf8) + [0xcc, 0x81]
    static let nfc: [UInt8] = Array("Caf".utf8) + [0xc3, 0xa9]
    static let latin1: [UInt8] = Array("caf".utf8) + [0xe9]

    static let plain = Array("plain".utf8)

    /// A fixture whose source root holds a folder per id and one named `plain`, each with one
    /// file `id` holding the folder's name.
    static func fixture(_ ids: [[UInt8]]) throws -> JobFixture {
        let fixture = try JobFixture(customers: ["plain": ["id": plain]])
        let source = Array(fixture.source.path.utf8)
        for id in ids {
            Tree.mkdir(source, id)
            Tree.file(source, id + Array("/id".utf8), id)
        }
        // Not customers: a plain file and a dangling link.
        Tree.file(source, "README", [])
        Tree.symlink(source, "gone", to: "nowhere")
        return fixture
    }

    @Test func idsAreValidatedAsSingleFolderNames() {
        #expect(CustomerID(bytes: []) == nil)
        #expect(CustomerID(bytes: [0x2e]) == nil)
        #expect(CustomerID(bytes: [0x2e, 0x2e]) == nil)
        #expect(CustomerID(bytes: Array("a/b".utf8)) == nil)
        #expect(CustomerID(bytes: [0x61, 0]) == nil)
        #expect(CustomerID(bytes: [0xff])?.bytes == [0xff])
        #expect(CustomerID(bytes: Self.nfd) != CustomerID(bytes: Self.nfc))
        // Text ids are their UTF-8 bytes, unnormalised: Swift calls these two strings equal.
        #expect("Cafe\u{301}" == "Caf\u{e9}")
        #expect(CustomerID("Cafe\u{301}") == CustomerID(bytes: Self.nfd))
        #expect(CustomerID("Cafe\u{301}") != CustomerID("Caf\u{e9}"))
    }

    @Test func anIdNeverPrints() {
        let id = CustomerID(bytes: Array("alice".utf8))!
        #expect("\(id)" == "<customer>")
        #expect(String(reflecting: id) == "<customer>")
        var dumped = ""
        dump(id, to: &dumped)
        #expect(!dumped.contains("alice") && !dumped.contains("97"))
    }

    @Test func twinsAndNonUTF8FoldersAreSeparateCustomers() throws {
        let fixture = try Self.fixture([Self.nfd, Self.nfc, Self.latin1])
        let outcome = try BackupJob(home: fixture.home()).run()
        #expect(outcome.customers.count == 4)
        #expect(outcome.customers.allSatisfy { $0.status == .committed })
        #expect(Set(outcome.customers.compactMap(\.pseudonym)).count == 4)

        for id in [Self.nfd, Self.nfc, Self.latin1] {
            let target = fixture.root.url.appendingPathComponent("restored-\(id.count)-\(id.last!)")
            _ = try RestoreJob(home: fixture.home()).run(customer: CustomerID(bytes: id)!, set: nil, from: nil, to: target)
            #expect(Tree.readFile(Array(target.path.utf8) + Array("/id".utf8)) == id)
        }
        // Backing up one twin by name backs up that twin only.
        let one = try BackupJob(home: fixture.home()).run(only: [CustomerID(bytes: Self.nfd)!])
        #expect(one.customers.count == 1)
        #expect(throws: JobError.self) { try BackupJob(home: fixture.home()).run(only: [CustomerID(bytes: Array("Cafe".utf8))!]) }
    }

    /// Homes made before ids were bytes found customers through `FileManager` names (Swift
    /// strings) and hashed their UTF-8: for every UTF-8 folder name that is the same bytes, so
    /// such customers keep their pseudonym and keys.
    @Test func customersKeyedFromFileManagerNamesKeepTheirKeys() throws {
        let fixture = try Self.fixture([Self.nfd, Array("Ångström 日本".utf8)])
        let ids = [Self.nfd, Array("Ångström 日本".utf8), Self.plain]
        let home = try fixture.home()
        let listed = try FileManager.default.contentsOfDirectory(atPath: fixture.source.path)
        #expect(Set(listed.map { Array($0.utf8) }).isSuperset(of: ids))
        var before: [[UInt8]: Pseudonym] = [:]
        for name in listed where ids.contains(Array(name.utf8)) {
            before[Array(name.utf8)] = try home.keys.keysCreatingIfNeeded(for: CustomerID(name)!, now: fixture.clock.now()).pseudonym
        }
        #expect(before.count == 3)
        let outcome = try BackupJob(home: fixture.home()).run()
        #expect(Set(outcome.customers.compactMap(\.pseudonym)) == Set(before.values))
        for id in ids {
            #expect(try fixture.home().keys.keys(for: CustomerID(bytes: id)!)?.pseudonym == before[id])
        }
    }
}
