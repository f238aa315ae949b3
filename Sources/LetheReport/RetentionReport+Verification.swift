import Foundation
import LetheCatalog
import LetheCore

/// The report's account of `lethe verify`: the last check of each kind, its result and age, and
/// the problems it makes (a verify that found something, none ever run, or one too old).
extension RetentionReport {
    /// A verification older than this (8 days: a weekly `lethe verify` and a day's slack) no
    /// longer vouches for the stores: the verdict is not green until the next one.
    public static let verificationMaxAgeSeconds: Int64 = 8 * 86_400

    /// What the last verifications found.
    public struct Verification: Codable, Sendable, Equatable {
        /// The last `lethe verify` (the catalog against each store's listing), if any.
        public var structure: StructureCheck?
        /// The last `lethe verify --copies` (every byte read back), if any.
        public var copies: CopiesCheck?
        /// Seconds from the newer of the two to the report's instant (nil: never verified).
        public var ageSeconds: Int64?
        /// The age past which the verdict is not green (``verificationMaxAgeSeconds``).
        public var maxAgeSeconds: Int64
        /// How many copies carry a finding now (each copy's `finding`; `lethe list archives`
        /// shows the same marks).
        public var copiesWithFindings: Int

        /// True when the last `lethe verify` found a disagreement or could not list a store, or
        /// the last `lethe verify --copies` found a copy that did not read back.
        public var foundProblems: Bool {
            (structure.map { $0.findings > 0 || !$0.unreachable.isEmpty } ?? false) || (copies?.failed ?? 0) > 0
        }

        /// True when no verification is recorded, or the newest is older than ``maxAgeSeconds``.
        public var isStale: Bool { (ageSeconds ?? .max) > maxAgeSeconds }
    }

    /// The last `lethe verify`, from its `structure.verified` event.
    public struct StructureCheck: Codable, Sendable, Equatable {
        /// When it ran.
        public var at: Date
        /// Catalogued copies compared with the stores' listings.
        public var copies: Int
        /// Objects the stores listed.
        public var objects: Int
        /// Disagreements found (0: the catalog and the stores agreed).
        public var findings: Int
        /// Locations that could not be listed (nothing there was checked).
        public var unreachable: [String]
    }

    /// The last `lethe verify --copies`, from its `copies.verified` event.
    public struct CopiesCheck: Codable, Sendable, Equatable {
        /// When it ran.
        public var at: Date
        /// Copies read back.
        public var checked: Int
        /// Copies that did not read back whole and authentic.
        public var failed: Int
        /// The location checked; nil: every location.
        public var location: Location?
    }

    /// The verification section from the last events of each kind and the copies marked now.
    static func verification(_ events: LedgerHistory, copiesWithFindings: Int, now: Date) -> Verification {
        let structure = events.lastStructureCheck.map { event in
            StructureCheck(at: event.at, copies: event.payload.copies, objects: event.payload.objects,
                           findings: event.payload.findings, unreachable: event.payload.unreachable)
        }
        let copies = events.lastCopiesCheck.map { event in
            CopiesCheck(at: event.at, checked: event.payload.checked, failed: event.payload.failed, location: event.payload.location)
        }
        let newest = [structure?.at, copies?.at].compactMap { $0 }.max()
        return Verification(structure: structure, copies: copies, ageSeconds: newest.map { seconds(from: $0, to: now) },
                            maxAgeSeconds: verificationMaxAgeSeconds, copiesWithFindings: copiesWithFindings)
    }

    /// The headline's words about verification (nil: nothing to say) and one sentence per problem.
    static func verificationProblems(_ verification: Verification) -> (lead: String?, problems: [String]) {
        var problems: [String] = []
        var leads: [String] = []
        if let structure = verification.structure {
            if structure.findings > 0 {
                problems.append("the last `lethe verify` (\(Timestamp.iso(structure.at))) found \(Wording.count(structure.findings, "disagreement", "disagreements")) between the catalog and the stores (\(Wording.count(verification.copiesWithFindings, "copy is", "copies are")) marked: see each copy's finding, or `lethe list archives`): run `lethe verify` for the details, fix them, then run it again")
            }
            if !structure.unreachable.isEmpty {
                problems.append("the last `lethe verify` (\(Timestamp.iso(structure.at))) could not list \(structure.unreachable.joined(separator: ", ")): nothing there was checked; run it again once the store answers")
            }
        }
        if let copies = verification.copies, copies.failed > 0 {
            problems.append("the last `lethe verify --copies` (\(Timestamp.iso(copies.at))) found \(Wording.count(copies.failed, "copy", "copies")) that did not read back whole and authentic: restore those customers from another copy if needed, and run it again once fixed")
        }
        if verification.foundProblems { leads.append("Verify found problems (see below; `lethe verify` again once fixed)") }
        let days = verificationMaxAgeSeconds / 86_400
        if let age = verification.ageSeconds {
            if verification.isStale {
                leads.append("Last verified \(age / 86_400) days ago: run `lethe verify`")
                problems.append("the last verification ran \(Wording.count(Int(age / 86_400), "day", "days")) ago, more than \(days): the stores may have changed since; run `lethe verify` (say weekly, from the same timer as the nightly job)")
            }
        } else {
            leads.append("Never verified: run `lethe verify`")
            problems.append("no verification is recorded: run `lethe verify` (the catalog against the stores, quick) at least every \(days) days, and `lethe verify --copies` (every byte read back) now and then")
        }
        return (leads.isEmpty ? nil : leads.joined(separator: "; "), problems)
    }
}
