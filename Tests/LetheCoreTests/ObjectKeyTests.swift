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

    @Test func theSetOfAnArchiveKeyIsReadBack() {
        let key = ObjectKey.archive(pseudonym: Pseudonym("p1"), set: SetID("s1"), archive: ArchiveID("a1"))
        #expect(key.archiveSet == SetID("s1"))
        #expect(ObjectKey("other/p1/s1/a1.lethe")?.archiveSet == nil)
        #expect(ObjectKey("archives/p1/s1")?.archiveSet == nil)
    }
}
