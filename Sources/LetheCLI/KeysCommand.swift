import ArgumentParser
import Foundation
import LetheCore
import LetheJobs
#if canImport(Glibc)
import Glibc
#endif

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "The key hierarchy: status, rotation, escrow, recovery from escrow.",
        subcommands: [Status.self, Rotate.self, Escrow.self, Recover.self, PublicKey.self])

    struct PublicKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "public-key",
            abstract: "Print the public key that checks this home's signed reports and shred receipts (minisign format).",
            discussion: """
                Hand it to the auditor once, out of band (in person, on paper, by a channel other than the reports). \
                They verify a report or receipt offline with `minisign -Vm FILE -p lethe.pub`. The key is never rotated \
                with the key-encryption key, so one copy serves for good.
                """)

        @OptionGroup var options: HomeOptions

        func run() throws {
            print(try KeysJob(home: try options.open()).publicKeyFile(), terminator: "")
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the current epoch, the key directories and their health, and any owed rotation.",
            discussion: "Exits 1 when the keys are not healthy (a rotation or shred owed, a key or escrow directory not as it must be), "
                + "after printing the status (with --json too), so a monitor can run it as it is.")

        @OptionGroup var options: HomeOptions

        func run() throws {
            let status = try KeysJob(home: try options.open(requiringPolicy: false)).status()
            if options.json {
                try Output.json(status)
            } else {
                let fingerprint = status.kekID // a one-way id of the key, never its bytes
                print("Key-encryption key: epoch \(status.epoch), fingerprint \(fingerprint)")
                for directory in status.directories {
                    print("  \(directory.path): " + (directory.problem.map { "NOT OK: it \($0); \($0.advice)" } ?? "ok"))
                }
                print("Customers with a key: \(status.customers); shredded: \(status.shreddedCustomers); live expiry keys: \(status.expiryKeys)")
                if status.pendingShreds > 0 { print("Interrupted shreds to record: \(status.pendingShreds)") }
                if let id = status.signingKeyID, let key = status.signingPublicKey { print("Report-signing key: \(id) (minisign public key \(key))") }
                if let escrow = status.escrow {
                    print("Sealed escrow: recovery key fingerprint \(escrow.recoveryKeyFingerprint)")
                    for directory in escrow.directories {
                        let health = !directory.readable ? "UNREADABLE"
                            : directory.holdsCurrentEpoch ? "ok (epoch \(status.epoch) sealed)"
                            : "MISSING the current epoch (newest sealed: \(directory.newestSealedEpoch.map(String.init) ?? "none"))"
                        print("  \(directory.path): \(health)")
                    }
                } else {
                    print("Sealed escrow: not set up (create the home with --recovery-key-out or --recovery-public-key and --escrow-dir)")
                }
                if let owed = status.owedRotation {
                    print("ROTATION OWED: \(owed): run `lethe keys rotate`")
                }
                print(status.isHealthy ? "Healthy: nothing owed." : "NOT HEALTHY: fix what is named above.")
            }
            if !status.isHealthy { throw ExitCode(ExitStatus.failed) }
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rotate the key-encryption key now (also finishes an interrupted shred).")

        @OptionGroup var options: HomeOptions

        func run() throws {
            let outcome = try KeysJob(home: try options.open()).rotate()
            if options.json {
                try Output.json(outcome)
            } else {
                RotationText.print(outcome)
            }
            if !outcome.complete {
                FileHandle.standardError.write(Data("lethe: rotation incomplete: \(outcome.incomplete ?? "")\n".utf8))
                throw ExitCode(ExitStatus.failed)
            }
        }
    }

    struct Escrow: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Explain the sealed escrow; with --raw, print the current key-encryption key (to standard output only).",
            discussion: """
                The sealed escrow needs no printout: every rotation (every shred) seals the new key-encryption key to \
                the recovery public key in each escrow directory and destroys the previous one, so what is kept never \
                outlives a shred. `lethe keys recover --recovery-key FILE` uses it. \
                --raw prints the key bytes: such a printout goes stale at the next rotation, and with any old copy of \
                the key store it reopens what a later shred erased. It is recorded in the ledger and every later shred \
                receipt lists it as outstanding until you destroy it.
                """)

        @OptionGroup var options: HomeOptions

        @Flag(help: "Print the raw key-encryption key (recorded; listed as outstanding by every later shred receipt).")
        var raw = false

        @Option(help: "Record that the raw escrow of this epoch was destroyed (later shred receipts stop listing it); prints nothing.")
        var destroyed: Int?

        @Flag(help: "Encode the key in base64 instead of hex.")
        var base64 = false

        @Flag(help: "Print even when standard output is a terminal.")
        var force = false

        func run() throws {
            if let destroyed {
                try KeysJob(home: try options.open()).recordRawEscrowDestroyed(epoch: destroyed)
                return print("Recorded: the raw escrow of epoch \(destroyed) is destroyed; later shred receipts no longer list it.")
            }
            guard raw else {
                FileHandle.standardError.write(Data("""
                    lethe: nothing printed. The sealed escrow follows every rotation by itself: each escrow directory keeps the current \
                    key-encryption key sealed to your recovery public key (`lethe keys status` shows them), and \
                    `lethe keys recover --recovery-key FILE` rebuilds lost key directories from it. A raw printout (--raw) goes stale at the \
                    next shred and, with an old copy of the key store, would reopen what that shred erased: every later shred receipt lists it \
                    as outstanding until you destroy it.

                    """.utf8))
                throw ExitCode(ExitStatus.usage)
            }
            if isatty(STDOUT_FILENO) == 1 && !force {
                throw ValidationError("refusing to print the key-encryption key to a terminal: redirect standard output to your escrow file, or pass --force")
            }
            let escrowed = try KeysJob(home: try options.open()).escrow()
            FileHandle.standardError.write(Data("""
                lethe: WARNING: this is the key-encryption key of epoch \(escrowed.epoch): anyone holding it and a copy of the key store can read every backup of that epoch.
                lethe: Keep it offline. It is stale after the next rotation (every shred rotates): destroy it then; every later shred receipt lists it as outstanding.

                """.utf8))
            print(options.json ? escrowed.json(base64: base64) : escrowed.text(base64: base64))
        }
    }

    struct Recover: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild lost key directories from the sealed escrow (or a raw escrow).",
            discussion: """
                With --recovery-key FILE (the private key `init --recovery-key-out` wrote), opens the sealed escrow of \
                the key store's epoch (else the newest) in the escrow directories, or the file given with --sealed-escrow. \
                With --escrow FILE, reads a raw escrow (`keys escrow --raw`, "-" for standard input). The key is used only \
                if no key or escrow directory (nor the offsite store, when reachable) has seen a newer epoch, it is the \
                key store's current key-encryption key, and every stored key opens under it. When every key and escrow directory was lost, nothing can show the escrow is not older than a \
                shred: recovery then needs --accept-epoch N (the escrow's epoch), recorded in the ledger.
                """)

        @OptionGroup var options: HomeOptions

        @Option(name: .customLong("recovery-key"), help: "The recovery private key file: recover from the sealed escrow.")
        var recoveryKey: String?

        @Option(name: .customLong("sealed-escrow"), help: "A sealed escrow file (kek-NNNNNN.sealed) to use instead of the escrow directories.")
        var sealedEscrow: String?

        @Option(name: .long, help: "A raw escrow file, or - for standard input.")
        var escrow: String?

        @Option(name: .customLong("accept-epoch"),
                help: "Accept the escrow's epoch N when no key or escrow directory is left to witness the newest epoch (recorded in the ledger).")
        var acceptEpoch: Int?

        func run() throws {
            let report = try KeyRecovery.recover(home: try options.homeURL(), source: try source(), acceptEpoch: acceptEpoch,
                                                 clock: SystemClock(), log: EventLog.standard(verbose: options.verbose))
            if options.json {
                try Output.json(report)
            } else {
                let fingerprint = report.kekID.rawValue  // a one-way id of the key, never its bytes
                print("Escrow checked: the key-encryption key of epoch \(report.epoch) (fingerprint \(fingerprint)) opens all \(report.verifiedKeys) stored keys.")
                if report.acceptedWithoutWitness { print("No witness was left: epoch \(report.epoch) accepted on your word (recorded in the ledger).") }
                for path in report.restored { print("  \(path): restored") }
                for path in report.alreadyHeld { print("  \(path): already held it") }
                for path in report.escrowRestored { print("  \(path): sealed escrow restored") }
                for failure in report.failed { print("  FAILED \(failure)") }
                if report.restored.isEmpty && report.escrowRestored.isEmpty && report.failed.isEmpty {
                    print("Nothing to do: every key directory already holds it.")
                }
            }
            if !report.failed.isEmpty {
                FileHandle.standardError.write(Data("lethe: the key could not be written to every key or escrow directory: repair them and run `lethe keys recover` again\n".utf8))
                throw ExitCode(ExitStatus.failed)
            }
        }

        /// The escrow the options name: a raw escrow file, or the recovery key (and a sealed file).
        private func source() throws -> KeyRecovery.Source {
            switch (escrow, recoveryKey) {
            case (let file?, nil):
                guard sealedEscrow == nil else { throw ValidationError("--sealed-escrow goes with --recovery-key, not --escrow") }
                var data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: file)
                guard data != nil else { throw ValidationError("cannot read the escrow file \(file)") }
                return .raw(try EscrowedKEK(wiping: &data!))
            case (nil, let file?):
                return try .sealedEscrow(recoveryKeyFile: URL(fileURLWithPath: file), escrowFile: sealedEscrow.map { URL(fileURLWithPath: $0) })
            default:
                throw ValidationError("pass --recovery-key FILE (the sealed escrow) or --escrow FILE (a raw escrow), one of them")
            }
        }
    }
}

/// How a rotation outcome is shown (`keys rotate`, and a backup that finished an interrupted shred).
enum RotationText {
    static func print(_ outcome: RotationOutcome) {
        printFinishedShreds(outcome.finishedEarlierShreds)
        if let rotation = outcome.rotation {
            let fingerprint = rotation.kekID // a one-way id of the new key, never its bytes
            Swift.print("Rotated the key-encryption key: epoch \(rotation.fromEpoch) -> \(rotation.toEpoch) (fingerprint \(fingerprint)), \(Wording.count(rotation.rewrappedKeys, "key", "keys")) re-wrapped, old \(Wording.list("epoch", "epochs", rotation.destroyedEpochs)) destroyed")
            Swift.print(EscrowText.afterRotation(rotation))
        }
    }

    /// One line for each interrupted shred (its pseudonym) that a run finished recording.
    static func printFinishedShreds(_ pseudonyms: [String]) {
        for earlier in pseudonyms {
            Swift.print("Finished an interrupted shred: recorded the copies of \(earlier) as shredded")
        }
    }
}
