import Foundation
import LetheCatalog
import LetheCore
import LetheTar

/// How one copy fared in `lethe verify --copies`.
public struct CopyCheck: Codable, Sendable {
    public var pseudonym: Pseudonym
    public var set: SetID
    public var location: Location
    public var objectKey: ObjectKey
    /// nil when the copy read back whole and authentic.
    public var problem: String?
}

/// `lethe verify --copies`: reads every readable copy back and authenticates every byte
/// (header, wrapped key, every chunk, the final tag, nothing after), finds a differential's
/// bases at its location (``CopyChain/links(of:)``; each base is read as a copy of its own) and
/// compares its unchanged files with its base's listing, then records the result:
/// the ledger event, and each failed copy's finding in the catalog (cleared by the next run that
/// reads it whole).
public struct CopyVerification: Sendable {
    let home: Home

    public init(home: Home) { self.home = home }

    /// Checks every live or overdue copy, optionally only at one location.
    ///
    /// A differential, and a copy that is the base of one at its location, is read as a tar
    /// stream (``TarListingReader``: the checks an unpack makes, nothing written) to get its
    /// listing; each differential's unchanged (`from_base`) files are then compared with its
    /// base's listing (``ArchiveListing/checkTakenFiles(against:baseArchive:)``), as a restore
    /// would, and a mismatch fails the differential (integrity). Other copies are only decrypted.
    /// Each customer's copies at each location are read together, oldest first (a base before
    /// its dependants), so only that customer's listings are held at once.
    public func run(location: Location? = nil) throws -> [CopyCheck] {
        let copies = try home.catalog.copies(location: location, states: [.live, .overdue])
        let reader = CopyReader(home: home)
        let bases = Set(copies.compactMap { copy in copy.baseArchiveID.map { BaseAt(archive: $0, location: copy.location) } })
        let ordered = copies.sorted { a, b in
            if a.location != b.location { return a.location == .local }
            if a.pseudonym != b.pseudonym { return a.pseudonym < b.pseudonym }
            return a.created != b.created ? a.created < b.created : a.id < b.id
        }
        var problems: [Int64: (problem: String, kind: CopyFinding.Kind)] = [:]
        var listings: [ArchiveID: ArchiveListing] = [:]
        var group: (pseudonym: Pseudonym, location: Location)?
        var scratch = [UInt8](repeating: 0, count: 1 << 20)
        for copy in ordered {
            if group?.pseudonym != copy.pseudonym || group?.location != copy.location {
                listings.removeAll(keepingCapacity: true)
                group = (copy.pseudonym, copy.location)
            }
            do {
                // A differential reads back only with its bases at the same location.
                _ = try CopyChain(home: home).links(of: copy)
                let isBase = bases.contains(BaseAt(archive: copy.archiveID, location: copy.location))
                guard isBase || copy.baseArchiveID != nil else {
                    try reader.read(copy) { plaintext in
                        while try scratch.withUnsafeMutableBytes({ try plaintext.read(into: $0) }) > 0 {}
                    }
                    continue
                }
                let listing = try reader.read(copy) { plaintext in
                    try ReadAheadSource.withReadAhead(plaintext) { try TarListingReader.listing(from: $0) }
                }
                if isBase { listings[copy.archiveID] = listing }
                if let base = copy.baseArchiveID { try check(listing, of: copy, against: base, listings: listings) }
            } catch {
                problems[copy.id] = ("\(error)", Self.kind(of: error))
                home.log.error("verify.copy_failed", ["pseudonym": copy.pseudonym.rawValue, "set": copy.setID.rawValue,
                                                      "location": copy.location.rawValue, "error": "\(error)"])
            }
        }
        // In the catalog's order, as before.
        let checks = copies.map { copy in
            CopyCheck(pseudonym: copy.pseudonym, set: copy.setID, location: copy.location, objectKey: copy.objectKey,
                      problem: problems[copy.id]?.problem)
        }
        let findings = copies.compactMap { copy in problems[copy.id].map { (copy: copy.id, kind: $0.kind) } }
        let failed = checks.filter { $0.problem != nil }
        let now = home.clock.now()
        // The failures on copies, with the event: the checked locations' earlier ones are cleared.
        try home.catalog.recordCheck(.copies, locations: location.map { [$0] } ?? Location.allCases,
                                     findings: findings.map { CopyFinding(copyID: $0.copy, check: .copies, kind: $0.kind, found: now) },
                                     event: LedgerEvent(LedgerEvent.CopiesVerified(checked: checks.count, failed: failed.count,
                                                                                   failedKeys: failed.map(\.objectKey), location: location),
                                                        at: now))
        return checks
    }

    /// A base archive at one location.
    struct BaseAt: Hashable {
        var archive: ArchiveID
        var location: Location
    }

    /// Compares a differential's unchanged files with its base's listing, read earlier in this run.
    ///
    /// - Throws: `integrity` when they disagree; `failed` when the base did not read back here
    ///   (its own failure is reported with it).
    func check(_ listing: ArchiveListing, of copy: CopyRecord, against base: ArchiveID, listings: [ArchiveID: ArchiveListing]) throws {
        let place = "the \(copy.location.rawValue) store"
        guard let baseListing = listings[base] else {
            throw JobError.failed("its base archive \(base) did not read back from \(place) (see that copy's failure): this differential cannot be restored from there")
        }
        do {
            try listing.checkTakenFiles(against: baseListing, baseArchive: base.rawValue)
        } catch {
            throw JobError.integrity("archive \(copy.archiveID)'s unchanged files do not match the listing of its base archive \(base) at \(place) (\(error)): it cannot be restored from there")
        }
    }

    /// What a copy that did not read back is marked: missing when its store has no such object,
    /// damaged when it did not authenticate, unreadable otherwise.
    static func kind(of error: any Error) -> CopyFinding.Kind {
        switch (error as? any ClassifiedError)?.failureClass {
        case .notFound?: return .missing
        case .integrity?: return .damaged
        default: return .unreadable
        }
    }
}
