import Foundation
import LetheCore
import LetheKeys
import LethePolicy
import LetheReport
#if canImport(Glibc)
import Glibc
#endif

/// `lethe doctor`: what an operator checks before trusting a home, each with ok, warn or fail
/// and what to do: the configuration and the paths it names, the policy, the key directories
/// (and the newest epoch any of them has seen), owed key work, the sealed escrow, the local
/// store, the offsite store and its object lock, each store's ledger-head marker, the clock
/// against the ledger, and the age and result of the last verifications.
///
/// Changes nothing, takes no lock, and never stops at a failed check: the checks that do not
/// depend on it still run (a home whose keys cannot be read still has its policy and stores
/// checked). Read-only but for one probe file created in, and removed from, the local store.
public struct Doctor: Sendable {
    /// Age past which the last `lethe verify` (structure) is worth a warning: the age past which
    /// the report's verdict turns red (a weekly run, plus a day).
    public static let structureVerifyMaxAge = TimeInterval(RetentionReport.verificationMaxAgeSeconds)
    /// Age past which the last `lethe verify --copies` is worth a warning: a monthly run, plus a few days.
    public static let copiesVerifyMaxAge: TimeInterval = 35 * 86_400

    let url: URL
    let clock: any Clock

    /// The doctor of the home at `url`, reading the time from `clock`.
    public init(home url: URL, clock: any Clock) { (self.url, self.clock) = (url, clock) }

    /// Runs every check.
    public func run() -> DoctorReport {
        var checks: [DoctorCheck] = []
        let configuration: Configuration
        do {
            configuration = try Home.configuration(of: url)
            checks.append(.ok("configuration", "\(url.appendingPathComponent(Home.configurationFile).path) is a valid Lethe configuration"))
        } catch JobError.homeMissing {
            checks.append(.fail("configuration", "\(url.path) is not a Lethe home (no \(Home.configurationFile))",
                                fix: "pass the home's folder (--home DIR or LETHE_HOME), or create one with `lethe init`"))
            return DoctorReport(checks: checks)
        } catch {
            checks.append(.fail("configuration", "\(error)", fix: nil))
            return DoctorReport(checks: checks)
        }
        checks.append(sourceCheck(configuration))
        let policy = policyCheck(configuration)
        checks.append(policy.check)
        let home: Home
        do {
            home = try Home(url: url, clock: clock, log: EventLog(style: .silent), requiringPolicy: false)
        } catch {
            checks += openingFailure(error)
            checks.append(localStoreCheck(configuration))
            return DoctorReport(checks: checks)
        }
        checks += keyChecks(home)
        checks.append(localStoreCheck(configuration))
        checks.append(markerCheck(.local(home)))
        checks += offsiteChecks(home, policy: policy.policy)
        checks.append(clockCheck(home))
        checks += verificationChecks(home)
        return DoctorReport(checks: checks)
    }

    /// A path of the configuration, which ``Home/configuration(of:)`` has made absolute.
    func path(_ path: String) -> URL { URL(fileURLWithPath: path) }

    /// The source root is a folder that can be listed.
    func sourceCheck(_ configuration: Configuration) -> DoctorCheck {
        let source = path(configuration.source)
        do {
            let names = try FileManager.default.contentsOfDirectory(atPath: source.path)
            return .ok("source", "\(source.path) can be read (\(Wording.count(names.count, "entry", "entries")))")
        } catch {
            let exists = FileManager.default.fileExists(atPath: source.path)
            return .fail("source", exists ? "the source root \(source.path) cannot be listed" : "the source root \(source.path) does not exist",
                         fix: exists ? "give the user that runs lethe read access to it (and its customer folders)"
                             : "mount it, or correct `source` in \(url.appendingPathComponent(Home.configurationFile).path)")
        }
    }

    /// The policy file loads as the jobs load it (`PolicyCheck`).
    func policyCheck(_ configuration: Configuration) -> (check: DoctorCheck, policy: Policy?) {
        let file = path(configuration.policy).path
        do {
            let policy = try PolicyLoader.load(path: file)
            let summary = PolicyCheck.Summary(policy)
            return (.ok("policy", "\(file): policy \(summary.name), time zone \(summary.timeZone)"), policy)
        } catch {
            return (.fail("policy", "\(error)",
                          fix: "run `lethe policy check \(file)` and fix what it names; backup, nightly, expire and report refuse until then"), nil)
        }
    }

    /// The checks a home that cannot be opened stands for: one per key directory when none holds
    /// the current key, the key store's epoch against its witnesses, else the error.
    func openingFailure(_ error: any Error) -> [DoctorCheck] {
        switch error {
        case KeyStoreError.kekUnavailable(_, let problems):
            return problems.map { found in
                .fail("key_directory", "\(found.path) \(found.problem)", fix: KeyDirectoryProblem.adviceWhenNoneHoldsTheKey([found.problem]))
            }
        case KeyStoreError.olderThanWitnessed:
            return [.fail("key_epoch", "\(error)", fix: nil)]
        default:
            return [.fail("home", "the home cannot be opened: \(error)", fix: nil)]
        }
    }

    /// The local store's folder exists and takes a new file (a probe, created and removed).
    func localStoreCheck(_ configuration: Configuration) -> DoctorCheck {
        let store = path(configuration.store)
        let probe = store.appendingPathComponent(".lethe-doctor-\(RandomName.base32(count: 8))")
        let fd = open(probe.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            let missing = errno == ENOENT
            return .fail("local_store", "cannot create a file in the local store \(store.path): \(reason)",
                         fix: missing ? "mount it, or correct `store` in \(url.appendingPathComponent(Home.configurationFile).path)"
                             : "give the user that runs lethe write access to it (or free space)")
        }
        close(fd)
        unlink(probe.path)
        return .ok("local_store", "\(store.path) is a folder lethe can write to")
    }
}
