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
        /// `keys_destroyed`: expiry keys destroyed.
        public var keysDestroyed: Int
        /// `rotation_owed`: why the key-encryption key still needs rotating, if it does.
        public var rotationOwed: String?

        /// A payload of these fields, to record.
        public init(state: String, policy: String, kept: Int, deleted: Int, cancelled: Int, failed: Int, keysDestroyed: Int,
                    rotationOwed: String?) {
            (self.state, self.policy, self.kept, self.deleted, self.cancelled, self.failed, self.keysDestroyed, self.rotationOwed) =
                (state, policy, kept, deleted, cancelled, failed, keysDestroyed, rotationOwed)
        }

        public init(details: [String: String]) throws {
            let read = FlatDetails(details, kind: Self.kind)
            state = try read.text("state")
            policy = try read.text("policy")
            kept = try read.value("kept", FlatDetails.int)
            deleted = try read.value("deleted", FlatDetails.int)
            cancelled = try read.value("cancelled", FlatDetails.int)
            failed = try read.value("failed", FlatDetails.int)
            keysDestroyed = try read.value("keys_destroyed", FlatDetails.int)
            rotationOwed = read.optionalText("rotation_owed")
        }

        public var details: [String: String] {
            var details = ["state": state, "policy": policy, "kept": String(kept), "deleted": String(deleted),
                           "cancelled": String(cancelled), "failed": String(failed), "keys_destroyed": String(keysDestroyed)]
            details["rotation_owed"] = rotationOwed
            return details
        }
    }

    /// `copies.verified`: `lethe verify --copies` read copies back through authentication.
    public struct CopiesVerified: LedgerPayload {
        public static let kind = Kind.copiesVerified
        /// `checked`, `failed`: copies read, and those that failed.
        public var checked: Int
        public var failed: Int
        /// `failed_keys`: the failed copies' object keys, space-separated.
        public var failedKeys: [ObjectKey]
        /// `location`: the location checked, nil for every one (`all`).
        public var location: Location?

        /// A payload of these fields, to record.
        public init(checked: Int, failed: Int, failedKeys: [ObjectKey], location: Location?) {
            (self.checked, self.failed, self.failedKeys, self.location) = (checked, failed, failedKeys, location)
        }

        public init(details: [String: String]) throws {
            let read = FlatDetails(details, kind: Self.kind)
            checked = try read.value("checked", FlatDetails.int)
            failed = try read.value("failed", FlatDetails.int)
            failedKeys = try read.list("failed_keys", separator: " ", ObjectKey.init)
            let location = try read.text("location")
            self.location = location == "all" ? nil : try read.value("location", Location.init(rawValue:))
        }

        public var details: [String: String] {
            ["checked": String(checked), "failed": String(failed), "failed_keys": failedKeys.map(\.rawValue).joined(separator: " "),
             "location": location?.rawValue ?? "all"]
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
        public var findingKeys: [ObjectKey]
        /// `unreachable`: locations that could not be listed, space-separated.
        public var unreachable: [String]

        /// A payload of these fields, to record.
        public init(copies: Int, objects: Int, findings: Int, findingKeys: [ObjectKey], unreachable: [String]) {
            (self.copies, self.objects, self.findings, self.findingKeys, self.unreachable) =
                (copies, objects, findings, findingKeys, unreachable)
        }

        public init(details: [String: String]) throws {
            let read = FlatDetails(details, kind: Self.kind)
            copies = try read.value("copies", FlatDetails.int)
            objects = try read.value("objects", FlatDetails.int)
            findings = try read.value("findings", FlatDetails.int)
            findingKeys = try read.list("finding_keys", separator: " ", ObjectKey.init)
            unreachable = try read.list("unreachable", separator: " ") { $0 }
        }

        public var details: [String: String] {
            ["copies": String(copies), "objects": String(objects), "findings": String(findings),
             "finding_keys": findingKeys.map(\.rawValue).joined(separator: " "), "unreachable": unreachable.joined(separator: " ")]
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

        public init(details: [String: String]) throws {
            let read = FlatDetails(details, kind: Self.kind)
            events = try read.value("events", FlatDetails.int)
            intact = try read.value("intact", FlatDetails.bool)
            firstBroken = try read.optional("first_broken", FlatDetails.int64)
        }

        public var details: [String: String] {
            var details = ["events": String(events), "intact": String(intact)]
            details["first_broken"] = firstBroken.map(String.init)
            return details
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

        public init(details: [String: String]) throws {
            let read = FlatDetails(details, kind: Self.kind)
            format = try read.text("format")
            copies = try read.value("copies", FlatDetails.int)
            overdue = try read.value("overdue", FlatDetails.int)
            maxAgeViolations = try read.value("max_age_violations", FlatDetails.int)
            sets = try read.value("sets", FlatDetails.int)
            erasures = try read.value("erasures", FlatDetails.int)
            ledgerIntact = try read.value("ledger_intact", FlatDetails.bool)
            unfinishedShred = try read.optional("unfinished_shred", FlatDetails.bool)
            ledgerEvents = try read.value("ledger_events", FlatDetails.int)
            signedBy = read.optionalText("signed_by")
            ledgerHead = try read.optional("ledger_head", FlatDetails.int64)
            ledgerHeadHash = read.optionalText("ledger_head_hash")
            firstBroken = try read.optional("first_broken", FlatDetails.int64)
        }

        public var details: [String: String] {
            var details = [
                "format": format, "copies": String(copies), "overdue": String(overdue), "max_age_violations": String(maxAgeViolations),
                "sets": String(sets), "erasures": String(erasures), "ledger_intact": String(ledgerIntact),
                "ledger_events": String(ledgerEvents),
            ]
            details["unfinished_shred"] = unfinishedShred.map { String($0) }
            details["signed_by"] = signedBy
            details["ledger_head"] = ledgerHead.map(String.init)
            details["ledger_head_hash"] = ledgerHeadHash
            details["first_broken"] = firstBroken.map(String.init)
            return details
        }
    }
}
