import ArgumentParser
import Foundation
import LetheCore
import LetheCrypto
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
            abstract: "Show the current epoch, the key directories and their health, and any owed rotation.")

        @OptionGroup var options: HomeOptions

        func run() throws {
            let status = try KeysJob(home: try options.open()).status()
            if options.json { return try Output.json(status) }
            let fingerprint = status.kekID // a one-way id of the key, never its bytes
            print("Key-encryption key: epoch \(status.epoch), fingerprint \(fingerprint)")
            for directory in status.directories {
                let health: String
                if !directory.readable { health = "UNREADABLE" }
                else if !directory.holdsCurrentEpoch { health = "MISSING the current key" }
                else if !directory.otherEpochs.isEmpty { health = "holds old key files (epochs \(directory.otherEpochs.map(String.init).joined(separator: ",")))" }
                else { health = "ok" }
                print("  \(directory.path): \(health)")
            }
            print("Customers with a key: \(status.customers); shredded: \(status.shreddedCustomers); live expiry keys: \(status.expiryKeys)")
            if status.pendingShreds > 0 { print("Interrupted shreds to record: \(status.pendingShreds)") }
            if let id = status.signingKeyID, let key = status.signingPublicKey { print("Report-signing key: \(id) (minisign public key \(key))") }
            if let owed = status.owedRotation {
                print("ROTATION OWED: \(owed): run `lethe keys rotate`")
            } else if status.isHealthy {
                print("Healthy: nothing owed.")
            }
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
            abstract: "Print the current key-encryption key for safekeeping (to standard output only).",
            discussion: """
                The one command that prints key bytes. Redirect it into your escrow (a vault, a sealed envelope). \
                The escrowed key is stale after the next rotation, and every shred rotates: escrow again after \
                each one and destroy the previous escrow, or it can still open key-store copies made before a shred.
                """)

        @OptionGroup var options: HomeOptions

        @Flag(help: "Encode the key in base64 instead of hex.")
        var base64 = false

        @Flag(help: "Print even when standard output is a terminal.")
        var force = false

        func run() throws {
            if isatty(STDOUT_FILENO) == 1 && !force {
                throw ValidationError("refusing to print the key-encryption key to a terminal: redirect standard output to your escrow file, or pass --force")
            }
            let escrowed = try KeysJob(home: try options.open()).escrow()
            FileHandle.standardError.write(Data("""
                lethe: WARNING: this is the key-encryption key of epoch \(escrowed.epoch): anyone holding it and a copy of the key store can read every backup of that epoch.
                lethe: Keep it offline. It is stale after the next rotation (every shred rotates): escrow again then, and destroy this copy.

                """.utf8))
            print(options.json ? escrowed.json(base64: base64) : escrowed.text(base64: base64))
        }
    }

    struct Recover: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put an escrowed key-encryption key back into key directories that lost it.",
            discussion: """
                Reads the file `lethe keys escrow` wrote ("-" for standard input). The escrow is used only if it \
                is the key store's current key-encryption key and every stored key opens under it; an escrow \
                taken before a later rotation or shred is refused. Key directories that already hold the key \
                are left alone.
                """)

        @OptionGroup var options: HomeOptions

        @Option(name: .long, help: "The escrow file, or - for standard input.")
        var escrow: String

        func run() throws {
            var data = escrow == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: escrow)
            guard data != nil else { throw ValidationError("cannot read the escrow file \(escrow)") }
            defer { data!.withUnsafeMutableBytes { SecureMemory.zero($0) } }
            let escrowed = try EscrowedKEK(escrow: String(decoding: data!, as: UTF8.self))
            let report = try KeyRecovery.recover(home: try options.homeURL(), escrow: escrowed, clock: SystemClock(),
                                                 log: EventLog.standard(verbose: options.verbose))
            if options.json {
                try Output.json(report)
            } else {
                let fingerprint = report.kekID.rawValue  // a one-way id of the key, never its bytes
                print("Escrow checked: the key-encryption key of epoch \(report.epoch) (fingerprint \(fingerprint)) opens all \(report.verifiedKeys) stored keys.")
                for path in report.restored { print("  \(path): restored") }
                for path in report.alreadyHeld { print("  \(path): already held it") }
                for failure in report.failed { print("  FAILED \(failure)") }
                if report.restored.isEmpty && report.failed.isEmpty { print("Nothing to do: every key directory already holds it.") }
            }
            if !report.failed.isEmpty {
                FileHandle.standardError.write(Data("lethe: the key could not be written to every key directory: repair them and run `lethe keys recover` again\n".utf8))
                throw ExitCode(ExitStatus.failed)
            }
        }
    }
}

/// How a rotation outcome is shown (`keys rotate`, and a backup that finished an interrupted shred).
enum RotationText {
    static func print(_ outcome: RotationOutcome) {
        for earlier in outcome.finishedEarlierShreds {
            Swift.print("Finished an interrupted shred: recorded the copies of \(earlier) as shredded")
        }
        if let rotation = outcome.rotation {
            let fingerprint = rotation.kekID // a one-way id of the new key, never its bytes
            Swift.print("Rotated the key-encryption key: epoch \(rotation.fromEpoch) -> \(rotation.toEpoch) (fingerprint \(fingerprint)), \(rotation.rewrappedKeys) keys re-wrapped, old epochs \(rotation.destroyedEpochs.map(String.init).joined(separator: ",")) destroyed")
            Swift.print("Escrow: the escrowed key-encryption key is now stale; run `lethe keys escrow` and replace it")
        }
    }
}
