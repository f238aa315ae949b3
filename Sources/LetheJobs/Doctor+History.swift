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
        do {
            let structure = try home.catalog.latestEvent(LedgerEvent.StructureVerified.self).map { last in
                Verification(at: last.at, command: "lethe verify",
                             problem: last.payload.findings == 0 ? nil
                                 : "found \(Wording.count(last.payload.findings, "disagreement", "disagreements")) between the catalog and the stores",
                             unreachable: last.payload.unreachable,
                             passed: "found the catalog and the stores in agreement")
            }
            let copies = try home.catalog.latestEvent(LedgerEvent.CopiesVerified.self).map { last in
                Verification(at: last.at, command: "lethe verify --copies",
                             problem: last.payload.failed == 0 ? nil
                                 : "found \(Wording.count(last.payload.failed, "copy", "copies")) that did not read back whole and authentic",
                             unreachable: [],
                             passed: "read \(Wording.count(last.payload.checked, "copy", "copies")) back whole and authentic")
            }
            return [
                verificationCheck("last_verify", structure, maxAge: Self.structureVerifyMaxAge, never: "the catalog was never checked against the stores",
                                  schedule: "run `lethe verify` (weekly, say, beside the nightly)",
                                  repair: "run `lethe verify` to see each one; restore what is damaged or missing from its other location, then verify again"),
                verificationCheck("last_copies_verify", copies, maxAge: Self.copiesVerifyMaxAge, never: "no copy was ever read back and authenticated",
                                  schedule: "run `lethe verify --copies` (monthly, say)",
                                  repair: "run `lethe verify --copies` to see them; restore from another location (`--from offsite`), then verify again"),
            ]
        } catch {
            return [.fail("last_verify", "the ledger's verification events cannot be read: \(error)", fix: nil)]
        }
    }

    /// What the ledger says of one kind of verification's latest run.
    struct Verification {
        var at: Date
        var command: String
        /// What it found wrong, or nil.
        var problem: String?
        /// Locations it could not list.
        var unreachable: [String]
        /// What it found when all was well.
        var passed: String
    }

    /// One verification check: fails when the latest run found a problem, warns when there is
    /// none, it could not list a location, or it is older than `maxAge`.
    func verificationCheck(_ name: String, _ last: Verification?, maxAge: TimeInterval, never: String, schedule: String,
                           repair: String) -> DoctorCheck {
        guard let last else { return .warn(name, never, fix: schedule) }
        let now = clock.now()
        let when = "the last `\(last.command)` (\(Timestamp.iso(last.at)), \(Self.age(last.at, now: now)))"
        if let problem = last.problem { return .fail(name, "\(when) \(problem)", fix: repair) }
        if !last.unreachable.isEmpty {
            return .warn(name, "\(when) could not list \(last.unreachable.joined(separator: ", "))", fix: "run `\(last.command)` again once the store answers")
        }
        if now.timeIntervalSince(last.at) > maxAge { return .warn(name, "\(when) is older than \(Self.days(maxAge))", fix: schedule) }
        return .ok(name, "\(when) \(last.passed)")
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
