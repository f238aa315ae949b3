import Foundation
import LetheCore

extension ArchiveListing {
    /// The base archive this listing's archive is a differential against (nil for a full one).
    public var baseArchive: String? { manifest.base }

    /// Checks, without restoring anything, that every file this differential takes from its
    /// base (`from_base`) is in the base's listing: a `data/` file of the same device and inode,
    /// of the same size and modification time. The same comparison a restore makes when it
    /// places those files (`BasePlacement`), so `verify --copies` finds what a restore would refuse.
    ///
    /// - Parameters:
    ///   - base: the base's listing (``TarListingReader/listing(from:)`` or an unpack's).
    ///   - baseArchive: the base archive's id, as the catalog and the header name it.
    /// - Throws: `manifestMismatch` ("the base does not match: …") naming what disagrees.
    public func checkTakenFiles(against base: ArchiveListing, baseArchive: String) throws {
        _ = try takenFiles(from: base, baseArchive: baseArchive)
    }

    /// Each file this differential takes from its base, paired with the base's entry it comes
    /// from, after the checks of ``checkTakenFiles(against:baseArchive:)``; nil `base` (and
    /// `baseArchive`) for a full archive, which takes none.
    func takenFiles(from base: ArchiveListing?, baseArchive: String?) throws -> [(entry: TarManifest.Entry, source: TarManifest.Entry)] {
        guard manifest.base == baseArchive else {
            throw TarError.manifestMismatch(manifest.base == nil ? "the archive is full but was read as a differential"
                                            : "the base does not match: the archive names another base than the one read")
        }
        guard let base else { return [] }
        let taken = manifest.entries.filter { $0.fromBase == true }
        guard !taken.isEmpty else { return [] }
        let byIdentity = base.filesByIdentity()
        return try taken.map { entry in
            guard let source = byIdentity[entry.identity] else {
                throw TarError.manifestMismatch("the base does not match: it has no file of an unchanged entry's identity")
            }
            guard source.hasSameSizeAndTime(as: entry) else {
                throw TarError.manifestMismatch("the base does not match: an unchanged file has another size or modification time in the base")
            }
            return (entry, source)
        }
    }

    /// The `data/` files of this listing that carry their identity, by device and inode (the
    /// first entry where several share one: hard links are stored as separate files).
    func filesByIdentity() -> [BaseIndexKey: TarManifest.Entry] {
        var byIdentity: [BaseIndexKey: TarManifest.Entry] = [:]
        for entry in manifest.entries where entry.type == TarManifest.fileType && entry.path.hasPrefix("data/") {
            guard entry.device != nil, entry.inode != nil else { continue }
            if byIdentity[entry.identity] == nil { byIdentity[entry.identity] = entry }
        }
        return byIdentity
    }
}

extension TarManifest.Entry {
    /// The file's device and inode at pack time (zeros where the entry has none).
    var identity: BaseIndexKey { BaseIndexKey(device: device ?? 0, inode: inode ?? 0) }

    /// Whether `other` has this entry's size and modification time (what an unchanged file must
    /// share with its base entry).
    func hasSameSizeAndTime(as other: TarManifest.Entry) -> Bool {
        size == other.size && mtime == other.mtime && mtimeNanos == other.mtimeNanos
    }
}
