import ArgumentParser
import Foundation
import LetheCore
import LetheJobs

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "backup", abstract: "Write one backup set now.")

    @OptionGroup var options: HomeOptions

    @Option(name: .customLong("customer"), help: "Back up only this customer (repeatable); '-' reads one id's exact bytes from standard input.")
    var customers: [String] = []

    @OptionGroup var skip: SkipUnreadableOption

    func run() throws {
        let only = try customers.isEmpty ? nil : CustomerArgument.ids(customers)
        let home = try options.open()
        var job = BackupJob(home: home)
        if skip.skipUnreadable { job.skipUnreadable = true }
        let outcome = try job.run(only: only, progress: Progress.terminal)
        try BackupReport.print(outcome, json: options.json)
        BackupReport.warnIfShredUnfinished(outcome)
        BackupReport.warnIfOffsiteNotConfigured(outcome)
        let code = ExitStatus.code(for: outcome)
        if code != ExitStatus.done { throw ExitCode(code) }
    }
}

struct NightlyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nightly",
        abstract: "The nightly job: back up every customer, copy offsite, expire, record.")

    @OptionGroup var options: HomeOptions
    @OptionGroup var skip: SkipUnreadableOption

    @Option(name: .customLong("metrics-file"),
            help: "Write Prometheus metrics of the run here (atomically, even when it fails); default: the home's metrics_file setting.")
    var metricsFile: String?

    /// Runs the nightly (`runAndReport`), then writes its metrics file, if one is named, with the
    /// status the process exits with: a run that fails still leaves an honest last exit status.
    func run() throws {
        let clock = try? SystemClock()
        let started = clock?.now() ?? Date()
        var home: Home?
        var outcome: NightlyOutcome?
        let result = Result { try runAndReport(home: &home, outcome: &outcome) }
        if let file = NightlyMetrics.file(named: metricsFile, home: try? options.homeURL()) {
            let run = NightlyRun(started: started, ended: clock?.now() ?? Date(), exitStatus: ExitStatus.code(of: result))
            do {
                try NightlyMetrics(run: run, outcome: outcome, home: home).write(to: file)
            } catch {
                FileHandle.standardError.write(Data("lethe: the metrics file was not written: \(error)\n".utf8))
            }
        }
        try result.get()
    }

    /// Runs `NightlyJob` (backup, then expire even if the backup failed, then a check of the key
    /// directories); exits with the backup's error (the expire run's, if it failed too, shown
    /// first), else the expire run's; else 1 if the backup committed no customer, 2 if either part
    /// was partial, an interrupted shred could not be finished, the policy keeps offsite copies and
    /// the home has no offsite store, or a key directory is missing,
    /// unreadable or without the current key (each named on standard error with what to do).
    /// Hands the home and the outcome back as far as it got, for the metrics.
    private func runAndReport(home: inout Home?, outcome result: inout NightlyOutcome?) throws {
        let opened = try options.open()
        home = opened
        let outcome = NightlyJob(home: opened).run(skipUnreadable: skip.skipUnreadable, progress: Progress.terminal)
        result = outcome
        if options.json {
            if let backup = outcome.backup { BackupReport.printForTerminal(backup) }
            try Output.json(outcome)
        } else {
            if let backup = outcome.backup { try BackupReport.print(backup, json: false) }
            if let expire = outcome.expire { try ExpireReport.print(expire, json: false) }
        }
        if let backup = outcome.backup {
            BackupReport.warnIfShredUnfinished(backup)
            BackupReport.warnIfOffsiteNotConfigured(backup)
        }
        for directory in outcome.unhealthyKeyDirectories {
            guard let problem = directory.problem else { continue }
            FileHandle.standardError.write(Data("lethe: key directory \(directory.path) \(problem): \(problem.advice) (`lethe keys status` shows the keys' health)\n".utf8))
        }
        if let hidden = outcome.hiddenError { FileHandle.standardError.write(Data("lethe: expire: \(hidden)\n".utf8)) }
        if let error = outcome.error { throw error }
        let code = outcome.backup.map(ExitStatus.code(for:)) ?? ExitStatus.done
        if code != ExitStatus.done { throw ExitCode(code) }
        if outcome.expirePartial || !outcome.unhealthyKeyDirectories.isEmpty { throw ExitCode(ExitStatus.partial) }
    }
}

/// How a backup's outcome is shown.
enum BackupReport {
    /// One line on standard error when the run found a shred or rotation that stopped half-way
    /// and could not finish it (the exit status is then 2, or 1 if nothing was backed up).
    static func warnIfShredUnfinished(_ outcome: BackupOutcome) {
        guard let repair = outcome.interruptedShred, !repair.complete else { return }
        FileHandle.standardError.write(Data("lethe: an interrupted shred could not be finished: \(repair.incomplete ?? "see the outcome"); the old key-encryption key may still open copies of the key store taken before it: run `lethe keys rotate` once it is fixed\n".utf8))
    }

    /// One line on standard error when the policy keeps offsite copies and the home has no
    /// offsite store (the exit status is then 2: the local set is committed, those copies are not).
    static func warnIfOffsiteNotConfigured(_ outcome: BackupOutcome) {
        guard let problem = outcome.offsiteNotConfigured else { return }
        FileHandle.standardError.write(Data("lethe: \(problem)\n".utf8))
    }

    /// Prints the outcome on standard output, and what only the terminal may see on standard
    /// error (`printForTerminal`).
    static func print(_ outcome: BackupOutcome, json: Bool) throws {
        printForTerminal(outcome)
        if json { return try Output.json(outcome) }
        if let repair = outcome.interruptedShred { RotationText.print(repair) }
        let committed = outcome.customers.filter { $0.status == .committed }
        let bytes = committed.reduce(Int64(0)) { $0 + $1.bytes }
        Swift.print("Set \(outcome.set) (\(outcome.retentionClass.rawValue)): \(committed.count) of \(Wording.count(outcome.customers.count, "customer", "customers")) committed, \(Wording.count(bytes, "byte", "bytes")) stored; state \(outcome.state.rawValue)")
        if !outcome.offsite.isEmpty {
            let copied = outcome.offsite.filter { $0.status == .copied }.count
            let pending = outcome.offsite.filter { $0.status == .pending }.count
            Swift.print("Offsite: \(copied) copied, \(pending) pending" + (pending > 0 ? " (the next run retries them)" : ""))
        }
        for customer in outcome.customers where customer.status != .committed {
            Swift.print("  \(customer.status.rawValue): \(customer.pseudonym?.rawValue ?? "(no pseudonym yet)"): \(customer.message ?? "")")
        }
    }

    /// Prints on standard error each refused alias (which names reach one folder, and what to
    /// do) and each customer's unreadable paths (the one that failed them, or those skipped):
    /// they hold ids and paths, so they go to the terminal, never into JSON or the logs.
    static func printForTerminal(_ outcome: BackupOutcome) {
        let lines = outcome.aliases.map(\.message) + outcome.customers.compactMap(\.unreadable?.message)
        for line in lines { FileHandle.standardError.write(Data("lethe: \(line)\n".utf8)) }
    }
}
