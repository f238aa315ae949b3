import Foundation
import LetheCatalog
import LetheCore

extension Doctor {
    /// The clock is not earlier than the last recorded event (`clock`): every writing command
    /// refuses such a clock (`clockWentBack`), so a nightly under it would fail.
    func clockCheck(_ home: Home) -> DoctorCheck {
        let now = clock.now()
        let last: Date?
        do {
            last = try home.catalog.latestRecordedTime()
        } catch {
            return .fail("clock", "the ledger cannot be read: \(error)", fix: nil)
        }
        guard let last else { return .ok("clock", "\(Timestamp.iso(now)); nothing recorded yet") }
        if now < last {
            return .fail("clock", "the clock reads \(Timestamp.iso(now)), earlier than the last recorded event (\(Timestamp.iso(last))): "
                             + "every writing command refuses to run",
                         fix: "set the system clock right (NTP), or unset LETHE_NOW if it is set")
        }
        return .ok("clock", "\(Timestamp.iso(now)) is not earlier than the last recorded event (\(Timestamp.iso(last)))")
    }

    /// The last `lethe verify` (`last_verify`) and `lethe verify --copies` (`last_copies_verify`):
    /// a warning when none is recorded or it is older than `structureVerifyMaxAge` or
    /// `copiesVerifyMaxAge`; a failure when it found problems (until a later one finds none).
    func verificationChecks(_ home: Home) -> [DoctorCheck] {
        let now = clock.now()
        var checks: [DoctorCheck] = []
        do {
            let name = "last_verify"
            if let last = try home.catalog.latestEvent(LedgerEvent.StructureVerified.self) {
                let when = "the last `lethe verify` (\(Timestamp.iso(last.at)), \(Self.age(last.at, now: now)))"
                if last.payload.findings > 0 {
                    checks.append(.fail(name, "\(when) found \(Wording.count(last.payload.findings, "disagreement", "disagreements")) between the catalog and the stores",
                                        fix: "run `lethe verify` to see each one; restore what is damaged or missing from its other location, then verify again"))
                } else if !last.payload.unreachable.isEmpty {
                    checks.append(.warn(name, "\(when) could not list \(last.payload.unreachable.joined(separator: ", "))",
                                        fix: "run `lethe verify` again once the store answers"))
                } else if now.timeIntervalSince(last.at) > Self.structureVerifyMaxAge {
                    checks.append(.warn(name, "\(when) is older than \(Self.days(Self.structureVerifyMaxAge))",
                                        fix: "run `lethe verify` (weekly, say, beside the nightly)"))
                } else {
                    checks.append(.ok(name, "\(when) found the catalog and the stores in agreement"))
                }
            } else {
                checks.append(.warn(name, "the catalog was never checked against the stores", fix: "run `lethe verify` (weekly, say, beside the nightly)"))
            }
            let copiesName = "last_copies_verify"
            if let last = try home.catalog.latestEvent(LedgerEvent.CopiesVerified.self) {
                let when = "the last `lethe verify --copies` (\(Timestamp.iso(last.at)), \(Self.age(last.at, now: now)))"
                if last.payload.failed > 0 {
                    checks.append(.fail(copiesName, "\(when) found \(Wording.count(last.payload.failed, "copy", "copies")) that did not read back whole and authentic",
                                        fix: "run `lethe verify --copies` to see them; restore from another location (`--from offsite`), then verify again"))
                } else if now.timeIntervalSince(last.at) > Self.copiesVerifyMaxAge {
                    checks.append(.warn(copiesName, "\(when) is older than \(Self.days(Self.copiesVerifyMaxAge))",
                                        fix: "run `lethe verify --copies` (monthly, say)"))
                } else {
                    checks.append(.ok(copiesName, "\(when) read \(Wording.count(last.payload.checked, "copy", "copies")) back whole and authentic"))
                }
            } else {
                checks.append(.warn(copiesName, "no copy was ever read back and authenticated", fix: "run `lethe verify --copies` (monthly, say)"))
            }
        } catch {
            checks.append(.fail("last_verify", "the ledger's verification events cannot be read: \(error)", fix: nil))
        }
        return checks
    }

    /// How long before `now`: "less than an hour ago", "21 hours ago", "12 days ago" (whole hours
    /// under a day, whole days after).
    static func age(_ date: Date, now: Date) -> String {
        let seconds = max(0, now.timeIntervalSince(date))
        if seconds < 3_600 { return "less than an hour ago" }
        if seconds < 86_400 { return "\(Wording.count(Int(seconds / 3_600), "hour", "hours")) ago" }
        return "\(Wording.count(Int(seconds / 86_400), "day", "days")) ago"
    }

    /// A duration in whole days: "8 days".
    static func days(_ interval: TimeInterval) -> String { Wording.count(Int(interval / 86_400), "day", "days") }
}
