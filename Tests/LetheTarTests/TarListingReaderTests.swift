import Foundation
import LetheCore
import LetheTestSupport
import Testing
@testable import LetheTar

/// A listing read without unpacking (`verify --copies`), and a differential's unchanged files
/// compared with its base's listing: the same verdicts a restore reaches, nothing written.
@Suite struct TarListingReaderTests {
    /// A base and a differential of one folder whose `a.txt` is unchanged (`honest`) or grew
    /// after the base while the index said otherwise (a damaged index).
    static func pair(honest: Bool) throws -> (base: ArchiveListing, differential: ArchiveListing) {
        let temp = TempFolder()
        let source = temp.folder("source", mode: 0o755)
        Tree.file(Array(source.path.utf8), "a.txt", Array("short".utf8))
        Tree.file(Array(source.path.utf8), "b.txt", Array("other".utf8))
        let base = BufferSink()
        let baseReport = try TarPacker.pack(folder: source, into: base)
        var index = TarDifferentialTests.index(baseReport)
        if !honest {
            try Data("longer text".utf8).write(to: source.appendingPathComponent("a.txt"))
            index = TarDifferentialTests.index(try TarPacker.pack(folder: source, into: BufferSink()))
        }
        let differential = BufferSink()
        #expect(try TarPacker.pack(folder: source, into: differential, against: PackBase(archive: "b", index: index)).fromBase == 2)
        return (try TarListingReader.listing(from: BufferSource(base.bytes)),
                try TarListingReader.listing(from: BufferSource(differential.bytes)))
    }

    @Test func anHonestDifferentialAgreesWithItsBasesListing() throws {
        let (base, differential) = try Self.pair(honest: true)
        #expect(differential.baseArchive == "b" && base.baseArchive == nil)
        try differential.checkTakenFiles(against: base, baseArchive: "b")
    }

    @Test func anUnchangedFileOfAnotherSizeInTheBaseIsAMismatch() throws {
        let (base, differential) = try Self.pair(honest: false)
        #expect(throws: TarError.manifestMismatch("the base does not match: an unchanged file has another size or modification time in the base")) {
            try differential.checkTakenFiles(against: base, baseArchive: "b")
        }
    }

    @Test func anotherBaseOrAFullArchiveIsAMismatch() throws {
        let (base, differential) = try Self.pair(honest: true)
        #expect(throws: TarError.self) { try differential.checkTakenFiles(against: base, baseArchive: "c") }
        #expect(throws: TarError.self) { try base.checkTakenFiles(against: base, baseArchive: "b") }
    }

    /// What an unpack refuses, the listing reader refuses: a stream cut short.
    @Test func aTruncatedArchiveIsRefused() throws {
        let temp = TempFolder()
        let source = temp.folder("source", mode: 0o755)
        Tree.file(Array(source.path.utf8), "a.txt", Tree.noise(200_000, seed: 9))
        let sink = BufferSink()
        _ = try TarPacker.pack(folder: source, into: sink)
        #expect(throws: (any Error).self) { try TarListingReader.listing(from: BufferSource(Array(sink.bytes.prefix(sink.bytes.count / 2)))) }
    }
}
