import Foundation
import LetheCore

extension LedgerEvent {
    /// `expire.finished`: an expire run ended.
    public struct ExpireFinished: LedgerPayload {
        public static let kind = Kind.expireFinished
        /// `state`: `complete` or `partial`.
        public var state: String
        /// `policy`: the policy file's name.
        public var policy: String
        /// `kept`, `deleted`, `cancelled`, `failed`: copies by result.
        public var kept: Int
        public var deleted: Int
        public var cancelled: Int
        public var failed: Int
        /// `held`: copies past their delete-by kept for a differential that depends on them
        /// (absent when none, as in every run before the base guard).
        public var held: Int?
        /// `keys_destroyed`: expiry keys destroyed.
        public var keysDestroyed: Int
        /// `rotation_owed`: why the key-encryption key still needs rotating, if it does.
        public var rotationOwed: String?

        /// A payload of these fields, to record.
        public init(state: String, policy: String, kept: Int, deleted: Int, cancelled: Int, failed: Int, held: Int? = nil,
                    keysDestroyed: Int, rotationOwed: String?) {
            (self.state, self.policy, self.kept, self.deleted, self.cancelled, self.failed, self.keysDestroyed, self.rotationOwed) =
                (state, policy, kept, deleted, cancelled, failed, keysDestroyed, rotationOwed)
            self.held = held
        }
    }

    /// `copies.verified`: `lethe verify --copies` read copies back through authentication.
    public struct CopiesVerified: LedgerPayload {
        public static let kind = Kind.copiesVerified
        /// `checked`, `failed`: copies read, and those that failed.
        public var checked: Int
        public var failed: Int
        /// `failed_keys`: the failed copies' object keys, space-separated.
        @SpaceSeparated public var failedKeys: [ObjectKey]
        /// `location`: the location checked, nil for every one (`all`).
        @LocationOrAll public var location: Location?

        /// A payload of these fields, to record.
        public init(checked: Int, failed: Int, failedKeys: [ObjectKey], location: Location?) {
            (self.checked, self.failed, self.failedKeys, self.location) = (checked, failed, failedKeys, location)
        }
    }

    /// `structure.verified`: `lethe verify` compared the catalog's rows with the stores' listings.
    public struct StructureVerified: LedgerPayload {
        public static let kind = Kind.structureVerified
        /// `copies`: rows checked.
        public var copies: Int
        /// `objects`: objects listed.
        public var objects: Int
        /// `findings`: disagreements.
        public var findings: Int
        /// `finding_keys`: their object keys, space-separated.
        @SpaceSeparated public var findingKeys: [ObjectKey]
        /// `unreachable`: locations that could not be listed, space-separated.
        @SpaceSeparated public var unreachable: [String]

        /// A payload of these fields, to record.
        public init(copies: Int, objects: Int, findings: Int, findingKeys: [ObjectKey], unreachable: [String]) {
            (self.copies, self.objects, self.findings, self.findingKeys, self.unreachable) =
                (copies, objects, findings, findingKeys, unreachable)
        }
    }

    /// `ledger.verified`: `lethe verify --ledger` recomputed the hash chain.
    public struct LedgerVerified: LedgerPayload {
        public static let kind = Kind.ledgerVerified
        /// `events`: events checked.
        public var events: Int
        /// `intact`: `true` or `false`.
        public var intact: Bool
        /// `first_broken`: the first event that does not fit, if any.
        public var firstBroken: Int64?

        /// A payload of these fields, to record.
        public init(events: Int, intact: Bool, firstBroken: Int64?) {
            (self.events, self.intact, self.firstBroken) = (events, intact, firstBroken)
        }
    }

    /// `report.generated`: a retention report was generated (what it counted, the ledger head it saw).
    public struct ReportGenerated: LedgerPayload {
        public static let kind = Kind.reportGenerated
        /// `format`: `html`, `json` or `csv`.
        public var format: String
        /// `copies`, `overdue`, `max_age_violations`, `sets`, `erasures`: the report's counts.
        public var copies: Int
        public var overdue: Int
        public var maxAgeViolations: Int
        public var sets: Int
        public var erasures: Int
        /// `ledger_intact`: `true` or `false`.
        public var ledgerIntact: Bool
        /// `unfinished_shred`: `true` or `false` (reports of earlier versions did not say).
        public var unfinishedShred: Bool?
        /// `ledger_events`: events the report verified.
        public var ledgerEvents: Int
        /// `signed_by`: the signing key's id, when the report was signed.
        public var signedBy: String?
        /// `ledger_head`, `ledger_head_hash`: the newest event the report saw, if any.
        public var ledgerHead: Int64?
        public var ledgerHeadHash: String?
        /// `first_broken`: the first event that breaks the chain, if any.
        public var firstBroken: Int64?

        /// A payload of these fields, to record.
        public init(format: String, copies: Int, overdue: Int, maxAgeViolations: Int, sets: Int, erasures: Int, ledgerIntact: Bool,
                    unfinishedShred: Bool?, ledgerEvents: Int, signedBy: String?, ledgerHead: Int64?, ledgerHeadHash: String?,
                    firstBroken: Int64?) {
            (self.format, self.copies, self.overdue, self.maxAgeViolations, self.sets, self.erasures, self.ledgerIntact, self.unfinishedShred, self.ledgerEvents, self.signedBy, self.ledgerHead, self.ledgerHeadHash, self.firstBroken) =
                (format, copies, overdue, maxAgeViolations, sets, erasures, ledgerIntact, unfinishedShred, ledgerEvents, signedBy, ledgerHead, ledgerHeadHash, firstBroken)
        }
    }
}
