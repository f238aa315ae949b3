import LetheCore
import Testing

/// Object keys: what can escape a store's root is refused, everything else passes.
@Suite struct ObjectKeyTests {
    @Test(arguments: ["a", "archives/p/s/a.lethe", "...", "a/.../b", ".hidden", "a/..b/c", "a./b", "ünï/日本"])
    func safeKeysAreAccepted(_ text: String) {
        #expect(ObjectKey(text)?.rawValue == text)
    }

    @Test(arguments: ["", "/", "/a", "a/", "a//b", ".", "..", "./a", "a/.", "../a", "a/../b", "a/..", "a\u{0}b"])
    func keysThatCouldEscapeAreRefused(_ text: String) {
        #expect(ObjectKey(text) == nil)
    }

    /// One folder per customer, one file per archive: `archives/<pseudonym>/<set>-<archive>.lethe`.
    @Test func anArchiveKeyHasNoFolderPerSet() {
        let key = ObjectKey.archive(pseudonym: Pseudonym("p1"), set: SetID("20261101T020000Z-e66k"), archive: ArchiveID("a1"))
        #expect(key.rawValue == "archives/p1/20261101T020000Z-e66k-a1.lethe")
    }

    /// The set is read back from both layouts: today's and the folder per set that stores
    /// written before it still hold.
    @Test func theSetOfAnArchiveKeyIsReadBack() {
        let set = SetID("20261101T020000Z-e66k")
        let key = ObjectKey.archive(pseudonym: Pseudonym("p1"), set: set, archive: ArchiveID("a1"))
        #expect(key.archiveSet == set)
        #expect(ObjectKey("archives/p1/20261101T020000Z-e66k/a1.lethe")?.archiveSet == set, "the folder-per-set layout")
        #expect(ObjectKey("other/p1/s1/a1.lethe")?.archiveSet == nil)
        #expect(ObjectKey("archives/p1/s1")?.archiveSet == nil)
        #expect(ObjectKey("archives/p1/nodash.lethe")?.archiveSet == nil)
        #expect(ObjectKey("archives/p1/s1/a1.lethe/x")?.archiveSet == nil)
    }
}
