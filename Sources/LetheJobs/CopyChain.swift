import Foundation
import LetheCatalog
import LetheCore
import LetheTar

/// Reads a copy that may be a differential: its chain of bases (at most a monthly, a weekly and
/// a daily), each read at the copy's own location, the differential first and its bases
/// streamed after it (``unpack(_:into:makeStaging:)``).
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

    /// Unpacks `copy` (with its bases) into `staging`, an empty private folder.
    ///
    /// A differential is read first and its bases streamed after it, newest first, so each
    /// unchanged file is written once, in its place (``StreamedBases``), in a folder
    /// `makeStaging` creates, which then replaces `staging`. When the streams cannot settle every
    /// file (``StreamedBasesFallback``: two files of one size and time that swapped paths, or a
    /// base that does not match), that folder is removed and the chain is read again into
    /// `staging` base first, each base restored into a folder of its own (removed before this
    /// returns), which places such files or names what disagrees.
    func unpack(_ copy: CopyRecord, into staging: URL, makeStaging: () throws -> URL) throws -> UnpackReport {
        let chain = try links(of: copy)
        guard chain.count > 1 else { return try unpack(copy, into: staging, base: nil) }
        let trial = try makeStaging()
        do {
            let report = try withoutActuallyEscaping(makeStaging) { makeScratch in
                let bases = StreamedBases(archives: chain.dropLast().reversed().map(\.archiveID.rawValue), read: { position, body in
                    try CopyReader(home: home).read(chain[chain.count - 2 - position]) { plaintext in
                        try ReadAheadSource.withReadAhead(plaintext, body)
                    }
                }, makeScratch: makeScratch)
                return try unpack(copy, into: trial, base: .streamed(bases))
            }
            // `staging` is empty: rename(2) replaces an empty folder.
            guard rename(trial.path, staging.path) == 0 else {
                throw JobError.failed("cannot move the restored tree into the staging folder \(staging.path): \(String(cString: strerror(errno)))")
            }
            return report
        } catch let fallback as StreamedBasesFallback {
            try? FileManager.default.removeItem(at: trial)
            home.log.detail("chain.bases_first", ["pseudonym": copy.pseudonym.rawValue, "reason": fallback.reason])
            return try unpackBasesFirst(chain, into: staging, makeStaging: makeStaging)
        } catch {
            try? FileManager.default.removeItem(at: trial)
            throw error
        }
    }

    /// Unpacks one link into `tree`.
    private func unpack(_ link: CopyRecord, into tree: URL, base: DifferentialBase?) throws -> UnpackReport {
        try CopyReader(home: home).read(link) { plaintext in
            try ReadAheadSource.withReadAhead(plaintext) { try TarUnpacker.unpack(from: $0, into: tree, base: base) }
        }
    }

    /// Unpacks the chain base first, each base into its own folder, applied to the next.
    private func unpackBasesFirst(_ chain: [CopyRecord], into staging: URL, makeStaging: () throws -> URL) throws -> UnpackReport {
        var base: UnpackBase?
        defer { if let base { try? FileManager.default.removeItem(at: base.tree) } }
        for (position, link) in chain.enumerated() {
            let tree = position == chain.count - 1 ? staging : try makeStaging()
            let report: UnpackReport
            do {
                report = try unpack(link, into: tree, base: base.map { .restored($0) })
            } catch {
                if tree != staging { try? FileManager.default.removeItem(at: tree) }
                throw error
            }
            if let used = base { try? FileManager.default.removeItem(at: used.tree) }
            guard position < chain.count - 1 else { base = nil; return report }
            guard let listing = report.listing else { throw JobError.integrity("archive \(link.archiveID) has no listing") }
            base = UnpackBase(archive: link.archiveID.rawValue, tree: tree, listing: listing)
        }
        throw JobError.integrity("a chain of bases with no archive to read")
    }
}
