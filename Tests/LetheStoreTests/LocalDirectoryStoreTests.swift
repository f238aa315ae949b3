import Foundation
import LetheCore
import LetheStore
import LetheTestSupport
import Testing

/// What only the local directory store does: files, temporaries, its root.
struct LocalDirectoryStoreTests {
    @Test func objectsAreFilesWithMode0600AndNoTemporaryRemains() throws {
        let directory = try TemporaryDirectory()
        let store = LocalDirectoryStore(root: directory.url)
        try put(store, key("a/b/c.lethe"), [1, 2, 3])
        let file = directory.url.appendingPathComponent("a/b/c.lethe").path
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.appendingPathComponent("a/b").path) == ["c.lethe"])
    }

    @Test func staleTemporariesAreHiddenAndCleanedUp() throws {
        let directory = try TemporaryDirectory()
        let store = LocalDirectoryStore(root: directory.url)
        try put(store, key("a/kept"), [1])
        // What a run killed between create and rename leaves behind.
        let stale = directory.url.appendingPathComponent("a/.tmp-deadbeef")
        try Data([9, 9]).write(to: stale)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -7200)], ofItemAtPath: stale.path)
        let fresh = directory.url.appendingPathComponent("a/.tmp-inflight")
        try Data([8]).write(to: fresh)

        #expect(try store.list(prefix: "").map(\.key.rawValue) == ["a/kept"])
        #expect(try store.removeAbandoned(prefix: "", olderThan: 3600).map(\.name) == ["a/.tmp-deadbeef"])
        #expect(!FileManager.default.fileExists(atPath: stale.path))
        #expect(FileManager.default.fileExists(atPath: fresh.path), "a temporary still being written was removed")
        #expect(try read(store, key("a/kept")) == [1])
    }

    /// Expiry deletes a set's copies one by one: the last one out takes the now-empty pseudonym
    /// and set folders with it, never the root, and never a folder that still holds something.
    @Test func deleteRemovesTheFoldersItLeftEmptyButNotTheRoot() throws {
        let directory = try TemporaryDirectory()
        let store = LocalDirectoryStore(root: directory.url)
        try put(store, key("p1/s1/a.lethe"), [1])
        try put(store, key("p1/s2/b.lethe"), [2])
        try put(store, key("p1/s2/c.lethe"), [3])
        let folder = { (relative: String) in directory.url.appendingPathComponent(relative).path }

        try store.delete(key("p1/s1/a.lethe"), versionID: nil)
        #expect(!FileManager.default.fileExists(atPath: folder("p1/s1")), "the empty set folder stayed")
        #expect(FileManager.default.fileExists(atPath: folder("p1/s2")))

        try store.delete(key("p1/s2/b.lethe"), versionID: nil)
        #expect(FileManager.default.fileExists(atPath: folder("p1/s2")), "a folder still holding a copy was removed")
        try store.delete(key("p1/s2/c.lethe"), versionID: nil)
        #expect(!FileManager.default.fileExists(atPath: folder("p1")), "the empty pseudonym folder stayed")
        #expect(FileManager.default.fileExists(atPath: directory.url.path), "the store root was removed")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).isEmpty)

        try put(store, key("top"), [4])
        try store.delete(key("top"), versionID: nil)
        #expect(FileManager.default.fileExists(atPath: directory.url.path), "the store root was removed")
    }

    @Test func keysUsingTheTemporaryPrefixAreRefused() throws {
        let directory = try TemporaryDirectory()
        let store = LocalDirectoryStore(root: directory.url)
        #expect(throws: ObjectStoreError.self) { try put(store, key("a/.tmp-x"), [1]) }
        #expect(try store.list(prefix: "").isEmpty)
    }

    @Test func missingRootIsUnavailable() throws {
        let directory = try TemporaryDirectory()
        let root = directory.url.appendingPathComponent("unmounted")
        let store = LocalDirectoryStore(root: root)
        #expect { try put(store, key("x"), [1]) } throws: { ($0 as? ObjectStoreError)?.isTransient == true }
        #expect { try store.list(prefix: "") } throws: { ($0 as? ObjectStoreError)?.isTransient == true }
        try store.createRoot()
        try put(store, key("x"), [1])
        #expect(try store.list(prefix: "").map(\.key.rawValue) == ["x"])
    }

    @Test func aDirectoryIsNoObject() throws {
        let directory = try TemporaryDirectory()
        let store = LocalDirectoryStore(root: directory.url)
        try put(store, key("a/b"), [1])
        #expect(try store.head(key("a")) == nil)
        #expect(throws: ObjectStoreError.notFound(key("a"))) { try read(store, key("a")) }
        #expect(throws: ObjectStoreError.self) { try put(store, key("a/b/c"), [1]) }
        #expect(try read(store, key("a/b")) == [1])
    }
}
