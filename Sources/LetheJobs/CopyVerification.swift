import Foundation
import LetheCatalog
import LetheCore

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
/// (header, wrapped key, every chunk, the final tag, nothing after), and finds a differential's
/// bases at its location (``CopyChain/links(of:)``; each base is read as a copy of its own), then records the result:
/// the ledger event, and each failed copy's finding in the catalog (cleared by the next run that
/// reads it whole).
public struct CopyVerification: Sendable {
    let home: Home

    public init(home: Home) { self.home = home }

    /// Checks every live or overdue copy, optionally only at one location.
    public func run(location: Location? = nil) throws -> [CopyCheck] {
        let copies = try home.catalog.copies(location: location, states: [.live, .overdue])
        let reader = CopyReader(home: home)
        var checks: [CopyCheck] = []
        var findings: [(copy: Int64, kind: CopyFinding.Kind)] = []
        var scratch = [UInt8](repeating: 0, count: 1 << 20)
        for copy in copies {
            var problem: String?
            do {
                // A differential reads back only with its bases at the same location.
                _ = try CopyChain(home: home).links(of: copy)
                try reader.read(copy) { plaintext in
                    while try scratch.withUnsafeMutableBytes({ try plaintext.read(into: $0) }) > 0 {}
                }
            } catch {
                problem = "\(error)"
                findings.append((copy.id, Self.kind(of: error)))
                home.log.error("verify.copy_failed", ["pseudonym": copy.pseudonym.rawValue, "set": copy.setID.rawValue,
                                                      "location": copy.location.rawValue, "error": "\(error)"])
            }
            checks.append(CopyCheck(pseudonym: copy.pseudonym, set: copy.setID, location: copy.location,
                                    objectKey: copy.objectKey, problem: problem))
        }
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
