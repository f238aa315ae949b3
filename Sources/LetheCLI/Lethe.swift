import ArgumentParser
import Foundation
import LetheJobs

@main
struct Lethe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lethe",
        abstract: "Per-customer encrypted backups on a strict calendar, with crypto-shredding.",
        discussion: """
            Every subcommand takes --home DIR or reads LETHE_HOME. LETHE_NOW (ISO 8601) replaces the clock.
            Exit status: 0 done, 1 failed (nothing committed), 2 partly done, 3 integrity failure,
            4 customer shredded, 5 not found, 6 busy, 64 usage or invalid configuration.
            """,
        version: LetheVersion.current,
        subcommands: [InitCommand.self, NightlyCommand.self, BackupCommand.self, RestoreCommand.self,
                      ExportCommand.self, ShredCommand.self, KeysCommand.self, ExpireCommand.self, VerifyCommand.self,
                      ListCommand.self, PolicyCommand.self, DatabaseCommand.self, ReportCommand.self, DoctorCommand.self])

    /// Hardens the process (`ProcessHardening`), then runs the command. The process locale is
    /// left as it starts ("C"): libarchive calls set their own, per thread, so names stay bytes
    /// (see `NameLocale` in LetheTar).
    static func main() {
        // Before any key exists: no core dump can hold one, and keys live in locked memory
        // (a warning, once, if the system refuses to lock it).
        let log = EventLog.standard()
        ProcessSetup.harden(log: log)
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            ExitStatus.exit(with: error)
        }
    }
}
