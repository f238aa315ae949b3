import ArgumentParser
import Foundation
import LetheCore
import LetheJobs

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify what Lethe recorded.",
        discussion: """
            Every mode first runs SQLite's quick_check on the key store and the catalog: a damaged file exits 3, named.
            Without a flag: the structure. Every copy the catalog says is stored must be listed by its store with \
            its recorded size, copies recorded deleted must be gone, and no archive may be stored that the catalog \
            does not know; nothing is read or decrypted. Any disagreement exits 3; a store that cannot be listed exits 1.
            A copy found missing, of the wrong size, still stored after its deletion, damaged or unreadable is marked \
            in the catalog: `lethe list archives` and the report show it until a later verify of the same kind finds \
            it whole (or the expire run deletes it). The report is not green while the last verify found problems, \
            or none ran in the last 8 days.
            --ledger recomputes the ledger's hash chain; a broken chain exits 3 and names the first broken event.
            --copies reads every readable copy back and authenticates every byte, and checks each differential \
            archive's unchanged files against its base's listing at the same location; any failure exits 3.
            """)

    @OptionGroup var options: HomeOptions

    @Flag(name: .long, help: "Recompute the ledger's hash chain.")
    var ledger = false

    @Flag(name: .long, help: "Read back and authenticate every byte of every readable copy.")
    var copies = false

    @Option(help: "With --copies: only this location (local or offsite).")
    var location: Location?

    func validate() throws {
        guard !(ledger && copies) else { throw ValidationError("verify one thing at a time: --ledger, --copies, or neither for the structure") }
        guard location == nil || copies else { throw ValidationError("--location goes with --copies") }
    }

    func run() throws {
        let home = try options.open(requiringPolicy: false)
        // SQLite's own check of the key store and the catalog first (a damaged file exits 3).
        try MetadataCheck(home: home).run()
        if copies { return try verifyCopies(home) }
        if !ledger { return try verifyStructure(home) }
        let result = try LedgerCheck(home: home).run()
        if options.json {
            try Output.json(result)
            if !result.isIntact { throw ExitCode(ExitStatus.integrity) }
            return
        }
        guard let broken = result.firstBrokenSequence else {
            return print("ledger intact: \(Wording.count(result.events, "event", "events")), every hash and link checks")
        }
        throw JobError.integrity("the ledger is broken at event \(broken) of \(result.events): \(result.problem ?? "the chain does not check"); the events from there on cannot be trusted")
    }

    func verifyCopies(_ home: Home) throws {
        let checks = try CopyVerification(home: home).run(location: location)
        let failed = checks.filter { $0.problem != nil }
        if options.json {
            try Output.json(checks)
        } else {
            print("\(checks.count - failed.count) of \(Wording.count(checks.count, "copy", "copies")) read back whole and authentic")
            for check in failed { print("  FAILED \(check.location.rawValue) \(check.objectKey): \(check.problem ?? "")") }
        }
        if !failed.isEmpty { throw ExitCode(ExitStatus.integrity) }
    }

    func verifyStructure(_ home: Home) throws {
        let report = try StructureVerification(home: home).run()
        if options.json {
            try Output.json(report)
        } else {
            let all = "\(Wording.count(report.copiesChecked, "catalogued copy", "catalogued copies")) in all, deleted ones included"
            if report.findings.isEmpty {
                print("catalog and stores agree: every copy catalogued as stored is there at its recorded size (\(Wording.count(report.copiesExpected, "copy", "copies"))), "
                      + "and every stored object is catalogued (\(Wording.count(report.objectsListed, "object", "objects"))); \(all)")
            } else {
                print("catalog and stores disagree: \(Wording.count(report.findings.count, "disagreement", "disagreements")) "
                      + "(\(Wording.count(report.copiesExpected, "copy", "copies")) catalogued as stored, \(Wording.count(report.objectsListed, "stored object", "stored objects")); \(all)); "
                      + "`lethe list archives` shows the copies found missing or damaged until a later verify finds them whole")
            }
            for finding in report.findings { print("  \(finding.location.rawValue) \(finding.objectKey): \(finding.problem)") }
            for location in report.unreachable { print("  NOT CHECKED \(location)") }
        }
        if !report.findings.isEmpty { throw ExitCode(ExitStatus.integrity) }
        if !report.unreachable.isEmpty { throw ExitCode(ExitStatus.failed) }
    }
}
