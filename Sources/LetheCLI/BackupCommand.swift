import ArgumentParser
import Foundation
import LetheCore
import LetheJobs

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "backup", abstract: "Write one backup set now.")

    @OptionGroup var options: HomeOptions

    @Option(name: .customLong("customer"), help: "Back up only this customer (repeatable); '-' reads one id's exact bytes from standard input.")
    var customers: [String] = []

    func run() throws {
        let only = try customers.isEmpty ? nil : CustomerArgument.ids(customers)
        let home = try options.open()
        let outcome = try BackupJob(home: home).run(only: only, progress: Progress.terminal)
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

    /// Runs `NightlyJob` (backup, then expire even if the backup failed, then a check of the key
    /// directories); exits with the backup's error (the expire run's, if it failed too, shown
    /// first), else the expire run's; else 1 if the backup committed no customer, 2 if either part
    /// was partial, an interrupted shred could not be finished, the policy keeps offsite copies and
    /// the home has no offsite store, or a key directory is missing,
    /// unreadable or without the current key (each named on standard error with what to do).
    func run() throws {
        let outcome = NightlyJob(home: try options.open()).run(progress: Progress.terminal)
        if options.json {
            if let backup = outcome.backup { BackupReport.printAliases(backup) }
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

    /// Prints the outcome on standard output, and its refused aliases (`printAliases`).
    static func print(_ outcome: BackupOutcome, json: Bool) throws {
        printAliases(outcome)
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

    /// Prints each refused alias (which names reach one folder, and what to do) on standard
    /// error: the names are ids, so they go to the terminal, never into JSON or the logs.
    static func printAliases(_ outcome: BackupOutcome) {
        for alias in outcome.aliases { FileHandle.standardError.write(Data("lethe: \(alias.message)\n".utf8)) }
    }
}
