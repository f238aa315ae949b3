import Foundation
import LetheCatalog
import LetheCore
import LetheTar

/// Reads a copy that may be a differential: its chain of bases (at most a monthly, a weekly and
/// a daily), each read at the copy's own location, base first, each unpacked into its own
/// private staging folder and applied to the next (``TarUnpacker/unpack(from:into:base:)``).
///
/// Each base copy is read through ``CopyReader``, which checks its header against the catalog's
/// record (the archive id, so a base swapped for another archive is refused as tampered); each
/// differential's manifest must name the base read. Restore, `verify --copies` and `export`
/// share it.
struct CopyChain {
    let home: Home
    /// The longest chain followed (a daily, a weekly, a monthly; more is damage).
    static let maximumLength = 3

    /// The copies to read for `copy`, base first, `copy` last.
    ///
    /// - Throws: `notFound` (exit 5) naming a base that has no readable copy at the copy's
    ///   location; `integrity` for a chain longer than any Lethe writes.
    func links(of copy: CopyRecord) throws -> [CopyRecord] {
        var chain = [copy]
        while let base = chain[0].baseArchiveID {
            guard chain.count < Self.maximumLength else {
                throw JobError.integrity("archive \(copy.archiveID) has a chain of bases longer than Lethe writes")
            }
            guard let found = try home.catalog.copies(pseudonym: copy.pseudonym, location: copy.location, states: [.live, .overdue])
                .first(where: { $0.archiveID == base }) else {
                throw JobError.notFound("base archive \(base) of archive \(chain[0].archiveID) has no readable copy at the \(copy.location.rawValue) store; this differential cannot be read from there")
            }
            chain.insert(found, at: 0)
        }
        return chain
    }

    /// Unpacks `copy` (with its bases) into `staging`; bases go into folders `makeStaging`
    /// creates, removed before this returns.
    func unpack(_ copy: CopyRecord, into staging: URL, makeStaging: () throws -> URL) throws -> UnpackReport {
        let chain = try links(of: copy)
        var base: UnpackBase?
        defer { if let base { try? FileManager.default.removeItem(at: base.tree) } }
        for (position, link) in chain.enumerated() {
            let tree = position == chain.count - 1 ? staging : try makeStaging()
            let report: UnpackReport
            do {
                report = try CopyReader(home: home).read(link) { plaintext in
                    try ReadAheadSource.withReadAhead(plaintext) { try TarUnpacker.unpack(from: $0, into: tree, base: base) }
                }
            } catch {
                if tree != staging { try? FileManager.default.removeItem(at: tree) }
                throw error
            }
            if let used = base { try? FileManager.default.removeItem(at: used.tree) }
            guard position < chain.count - 1 else { base = nil; return report }
            guard let listing = report.listing else { throw JobError.integrity("archive \(link.archiveID) has no listing") }
            base = UnpackBase(archive: link.archiveID.rawValue, tree: tree, listing: listing)
        }
        throw JobError.integrity("archive \(copy.archiveID) has no copy to read")
    }
}
