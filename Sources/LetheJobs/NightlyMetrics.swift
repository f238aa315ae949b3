import Foundation
import LetheCatalog
import LetheCore
import LetheKeys
import LetheMetrics
#if canImport(Glibc)
import Glibc
#endif

/// How one nightly run went, for its metrics: when it started and ended, and its exit status
/// (the command line decides the status; docs/DESIGN.md, "Exit status").
public struct NightlyRun: Sendable {
    /// When the run started (the home's clock: `LETHE_NOW` in simulations and tests).
    public var started: Date
    /// When it ended.
    public var ended: Date
    /// The status the process exits with.
    public var exitStatus: Int32

    /// A run of these times and status.
    public init(started: Date, ended: Date, exitStatus: Int32) { (self.started, self.ended, self.exitStatus) = (started, ended, exitStatus) }
}

/// The nightly run's metrics, as Prometheus text-format gauges for node_exporter's textfile
/// collector (README, "Operating Lethe"): the run itself (start, end, exit status, customers,
/// bytes written per location), then the home's state at its end (copies per location and
/// state, overdue copies, pending offsite copies, the keys' health, the ledger head).
///
/// Written even when the run failed, so the exit status is always the last run's: what could
/// not be read (no home, a catalog that cannot be opened, the keys lock held by a shred) is
/// left out, never guessed. Names start with `lethe_`; labels hold locations, states and key or
/// escrow directory paths, never a customer id or a pseudonym (invariant 9).
public struct NightlyMetrics: Sendable {
    let run: NightlyRun
    let outcome: NightlyOutcome?
    let home: Home?

    /// The metrics of `run`, with its outcome and home when the run got that far.
    public init(run: NightlyRun, outcome: NightlyOutcome?, home: Home?) { (self.run, self.outcome, self.home) = (run, outcome, home) }

    /// The metrics file to write: `named` (the `--metrics-file` option), else the home's
    /// `metrics_file` setting (relative to the current folder, respectively to the home, unless
    /// absolute, as ``Configuration/resolved(in:)`` makes it); nil when neither is given (or the home's configuration cannot be read).
    public static func file(named: String?, home url: URL?) -> URL? {
        if let named { return URL(fileURLWithPath: named) }
        guard let url, let setting = (try? Home.configuration(of: url))?.metricsFile else { return nil }
        return URL(fileURLWithPath: setting)
    }

    /// Writes the metrics to `url` atomically (`DurableFile.publish`, replacing): a scrape sees
    /// the previous run's file or this one, whole. The file is mode 0644 whatever the umask (the
    /// systemd unit sets 0077): node_exporter runs as another user and must read it.
    ///
    /// - Throws: `DurableFileError` when the file cannot be written (its folder missing, say).
    public func write(to url: URL) throws {
        let bytes = Array(PrometheusText.render(families()).utf8)
        let temporary = ".\(url.lastPathComponent).tmp-\(RandomName.base32(count: 8))"
        let temporaryPath = url.deletingLastPathComponent().appendingPathComponent(temporary).path
        try DurableFile.publish(url, .replace, mode: 0o644, temporaryName: temporary, write: { try $0.write(bytes) },
                                beforePublishing: {
                                    guard chmod(temporaryPath, 0o644) == 0 else {
                                        throw DurableFileError(operation: .create, path: url.path, code: errno)
                                    }
                                })
    }

    /// Every family, in a fixed order. The catalog's copies are read once, for the run's
    /// offsite bytes and the copy counts (nil, and those families left out, when it cannot be read).
    public func families() -> [MetricFamily] {
        let copies = home.flatMap { try? $0.catalog.copies() }
        return runFamilies(copies: copies) + (copies.map(copyFamilies) ?? []) + keyFamilies() + ((try? ledgerFamilies()) ?? [])
    }

    /// Start, end, exit status, customers by status and bytes written per location. Customers
    /// and bytes are 0 when the backup did not run (or failed as a whole).
    func runFamilies(copies: [CopyRecord]?) -> [MetricFamily] {
        let customers = outcome?.backup?.customers ?? []
        let statuses: [CustomerOutcome.Status] = [.committed, .failed, .shredded]
        return [
            MetricFamily("lethe_nightly_last_run_start_timestamp_seconds", help: "When the last nightly run started (Unix time).",
                         value: run.started.timeIntervalSince1970),
            MetricFamily("lethe_nightly_last_run_end_timestamp_seconds", help: "When the last nightly run ended (Unix time).",
                         value: run.ended.timeIntervalSince1970),
            MetricFamily("lethe_nightly_last_run_exit_status",
                         help: "The last nightly run's exit status: 0 done, 1 failed, 2 partly done, 3 integrity, 6 busy, 64 usage (docs/DESIGN.md).",
                         value: Double(run.exitStatus)),
            MetricFamily("lethe_nightly_last_run_customers", help: "Customers of the last nightly run's backup, by status.",
                         samples: statuses.map { status in
                             .init([.init("status", status.rawValue)], Double(customers.filter { $0.status == status }.count))
                         }),
            MetricFamily("lethe_nightly_last_run_written_bytes", help: "Bytes of copies the last nightly run stored, by location.",
                         samples: Location.allCases.map { .init([.init("location", $0.rawValue)], Double(bytesWritten(at: $0, copies: copies ?? []))) }),
        ]
    }

    /// Bytes the run stored at `location`: the committed customers' archives locally, the
    /// copies it uploaded offsite (their catalogued sizes, among `copies`).
    func bytesWritten(at location: Location, copies: [CopyRecord]) -> Int64 {
        guard let backup = outcome?.backup else { return 0 }
        switch location {
        case .local:
            return backup.customers.filter { $0.status == .committed }.reduce(0) { $0 + $1.bytes }
        case .offsite:
            let copied = backup.offsite.filter { $0.status == .copied }
            let uploaded = Set(copied.map { "\($0.pseudonym.rawValue)/\($0.set.rawValue)" })
            return copies.filter { $0.location == .offsite && uploaded.contains("\($0.pseudonym.rawValue)/\($0.setID.rawValue)") }
                .reduce(0) { $0 + $1.bytes }
        }
    }

    /// Copies per location and state (as `list archives` shows them at the run's end), overdue
    /// copies per location (the report's count: shredded ones past their delete-by included),
    /// and offsite copies still pending upload.
    func copyFamilies(_ copies: [CopyRecord]) -> [MetricFamily] {
        let now = run.ended
        var byState: [String: Int] = [:]
        for copy in copies { byState["\(copy.location.rawValue)/\(copy.state(at: now).rawValue)", default: 0] += 1 }
        return [
            MetricFamily("lethe_copies", help: "Catalogued copies at the end of the last nightly run, by location and state.",
                         samples: Location.allCases.flatMap { location in
                             CopyState.allCases.map { state in
                                 .init([.init("location", location.rawValue), .init("state", state.rawValue)],
                                       Double(byState["\(location.rawValue)/\(state.rawValue)"] ?? 0))
                             }
                         }),
            MetricFamily("lethe_copies_overdue", help: "Copies past their delete-by and still stored (shredded ones included), by location.",
                         samples: Location.allCases.map { location in
                             .init([.init("location", location.rawValue)],
                                   Double(copies.filter { $0.location == location && $0.isOverdue(at: now) }.count))
                         }),
            MetricFamily("lethe_offsite_pending_copies", help: "Offsite copies recorded but not yet uploaded (the next run retries them).",
                         value: Double(copies.filter { $0.location == .offsite && $0.state == .pending }.count)),
        ]
    }

    /// The keys' health as `keys status` shows it, read under the "keys" lock (left out while a
    /// shred or rotation holds it). When no key directory yields the current key, only
    /// `lethe_keys_healthy 0`.
    func keyFamilies() -> [MetricFamily] {
        guard let home, let lock = try? home.lock("keys") else { return [] }
        defer { withExtendedLifetime(lock) {} }
        let healthy = "lethe_keys_healthy"
        let healthyHelp = "1 when the keys are healthy as `lethe keys status` says (nothing owed, every key and escrow directory as it must be), else 0."
        guard let status = try? home.keys.status() else { return [MetricFamily(healthy, help: healthyHelp, value: 0)] }
        var families = [
            MetricFamily(healthy, help: healthyHelp, value: status.isHealthy ? 1 : 0),
            MetricFamily("lethe_keys_epoch", help: "The current key-encryption key's epoch.", value: Double(status.epoch)),
            MetricFamily("lethe_keys_rotation_owed", help: "1 when a key-encryption key rotation is owed (run `lethe keys rotate`), else 0.",
                         value: status.owedRotation == nil ? 0 : 1),
            MetricFamily("lethe_keys_pending_shreds", help: "Shreds whose copies are not yet recorded (the next run or `lethe keys rotate` finishes them).",
                         value: Double(status.pendingShreds)),
            MetricFamily("lethe_key_directory_healthy",
                         help: "1 when the key directory holds the current key and nothing else, else 0 (`lethe keys status` says why).",
                         samples: status.directories.enumerated().map { index, directory in
                             .init([.init("directory", directory.path), .init("role", index == 0 ? "primary" : "mirror")],
                                   directory.isHealthy ? 1 : 0)
                         }),
        ]
        if let escrow = status.escrow {
            families.append(MetricFamily("lethe_escrow_directory_current",
                                         help: "1 when the escrow directory holds the current key-encryption key sealed, else 0.",
                                         samples: escrow.directories.map { .init([.init("directory", $0.path)], $0.holdsCurrentEpoch ? 1 : 0) }))
        }
        return families
    }

    /// The ledger head's sequence number (0 for an empty ledger).
    func ledgerFamilies() throws -> [MetricFamily] {
        guard let home else { return [] }
        return [MetricFamily("lethe_ledger_head_sequence", help: "The sequence number of the newest ledger event.",
                             value: Double(try home.catalog.ledgerHead()?.sequence ?? 0))]
    }
}
