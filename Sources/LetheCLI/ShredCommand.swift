import ArgumentParser
import Foundation
import LetheCore
import LetheJobs
#if canImport(Glibc)
import Glibc
#endif

struct ShredCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shred",
        abstract: "Erase one customer from every backup, everywhere, by destroying their key.",
        discussion: """
            Destroys the customer key, records every copy as shredded, and rotates the key-encryption key so \
            that no earlier copy of the key store can bring the customer back. Cannot be undone. Asks for \
            confirmation on a terminal; scripts pass --yes. If a key directory cannot be reached the shred \
            is incomplete (exit 1) and the next `shred`, `keys rotate`, `nightly` or `backup` finishes it. Shredding again is a no-op. \
            An id never backed up is not found (exit 5) unless --not-yet-backed-up is given.
            """)

    @OptionGroup var options: HomeOptions
    @Option(help: "The customer id (their folder name under the source root); '-' reads its exact bytes from standard input (one trailing newline stripped).")
    var customer: String?

    @Option(help: "A file listing the customers to erase, one id per line ('-': standard input); the ids stay off the command line. Requires --yes.")
    var customersFrom: String?

    @Option(help: "The erasure request reference (ticket number), recorded in the ledger.")
    var request: String

    @Option(help: "Also write the receipt (as --json prints it) to this file, signed: FILE.minisig beside it (minisign format, the home's signing key).")
    var receipt: String?

    @Flag(help: "Do not ask for confirmation (required when standard input is not a terminal).")
    var yes = false

    @Flag(help: "Erase a customer never backed up yet: record that nothing is stored and refuse every future backup of them.")
    var notYetBackedUp = false

    func validate() throws {
        let trimmed = request.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, request.count <= 200, !request.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw ValidationError("'--request' must be a reference of 1 to 200 printable characters")
        }
    }

    func run() throws {
        switch (customer, customersFrom) {
        case (let value?, nil): try shred(one: value)
        case (nil, let path?): try shred(listedIn: path)
        case (nil, nil): throw ValidationError("name the customer: '--customer ID', '--customer -' (standard input) or '--customers-from FILE'")
        case (_?, _?): throw ValidationError("give either '--customer' or '--customers-from', not both")
        }
    }

    /// One customer, confirmed on the terminal unless `--yes`.
    private func shred(one value: String) throws {
        if !yes && value == CustomerArgument.standardInput {
            throw ValidationError("'--customer -' takes standard input, which then cannot confirm: pass --yes")
        }
        let id = try CustomerArgument.id(value)
        if !yes {
            guard isatty(STDIN_FILENO) == 1 else {
                throw ValidationError("refusing to shred without --yes when standard input is not a terminal")
            }
            // Shown on the operator's terminal only (never logged); bytes that are not UTF-8 show as U+FFFD.
            FileHandle.standardError.write(Data("""
                This makes every backup of customer '\(String(decoding: id.bytes, as: UTF8.self))' unreadable, everywhere, forever (request \(request)).
                Type the customer id again to confirm: 
                """.utf8))
            // Confirmed only by the same bytes: NFC and NFD spellings are different customers.
            guard readLine(strippingNewline: true).map({ Array($0.utf8) }) == id.bytes else {
                FileHandle.standardError.write(Data("lethe: not confirmed: nothing was changed\n".utf8))
                throw ExitCode(ExitStatus.failed)
            }
        }
        let home = try options.open()
        let receipt = try ShredJob(home: home).run(customer: id, request: request, notYetBackedUp: notYetBackedUp)
        try writeSignedReceipt(try Output.jsonText(receipt), home: home)
        if options.json { try Output.json(receipt) }
        try finish([receipt])
    }

    /// Every customer listed in a file (or standard input), with one rotation; `--yes` required,
    /// since the list cannot be confirmed one by one. A line naming nobody ever backed up
    /// refuses the whole batch before anything is destroyed.
    private func shred(listedIn path: String) throws {
        guard yes else { throw ValidationError("'--customers-from' cannot be confirmed on the terminal: pass --yes") }
        let listed = try CustomerArgument.list(from: path)
        let receipts: [ShredReceipt]
        let home = try options.open()
        do {
            receipts = try ShredJob(home: home).run(customers: listed.map(\.id), request: request, notYetBackedUp: notYetBackedUp)
        } catch JobError.neverBackedUp(let positions, _, let twins) {
            let lines = positions.map { String(listed[$0].line) }
            let twinLines = twins.map { String(listed[$0].line) }
            let twin = twinLines.isEmpty ? "" : "; \(twinLines.count == 1 ? "line" : "lines") \(twinLines.joined(separator: ", ")) "
                + "differ only in Unicode normalisation (NFC/NFD) from a customer id or a folder of the source root: give them byte for byte as the folders are named"
            throw JobError.notFound("\(lines.count == 1 ? "line" : "lines") \(lines.joined(separator: ", ")) of the list name no customer ever backed up, "
                + "so nobody was shredded (check the ids: spelling and Unicode normalisation count\(twin); "
                + "to erase customers before their first backup, add --not-yet-backed-up)")
        }
        try writeSignedReceipt(try Output.jsonText(receipts), home: home)
        if options.json { try Output.json(receipts) }
        try finish(receipts)
    }

    /// With `--receipt FILE`: the JSON receipt in FILE and its signature in FILE.minisig, each
    /// replaced atomically, so the erasure request's file can be checked offline with minisign.
    private func writeSignedReceipt(_ json: String, home: Home) throws {
        guard let receipt else { return }
        let file = URL(fileURLWithPath: receipt)
        let text = json + "\n"
        try ReportJob.write(text, to: file)
        let signature = try DocumentSigner(home: home).sign(text, comment: "lethe shred receipt request=\(request)")
        try ReportJob.write(signature.minisig, to: DocumentSigner.signatureFile(for: file))
    }

    /// Prints the human receipts (unless `--json`) and fails when the shred is incomplete.
    private func finish(_ receipts: [ShredReceipt]) throws {
        if !options.json { ShredReceiptText.print(receipts) }
        if let incomplete = receipts.first(where: { !$0.complete }) {
            FileHandle.standardError.write(Data("lethe: shred incomplete: \(incomplete.incomplete ?? "see the receipt"); run `lethe keys rotate` (or shred again) once it is fixed\n".utf8))
            throw ExitCode(ExitStatus.failed)
        }
    }
}

/// The human receipt of a shred: each customer, then the rotation and the verdict they share.
enum ShredReceiptText {
    static func print(_ receipts: [ShredReceipt]) {
        receipts.forEach(printCustomer)
        guard let last = receipts.last else { return }
        if let rotation = last.rotation {
            Swift.print("  key-encryption key rotated: epoch \(rotation.fromEpoch) -> \(rotation.toEpoch), \(Wording.count(rotation.rewrappedKeys, "key", "keys")) re-wrapped, old \(Wording.list("epoch", "epochs", rotation.destroyedEpochs)) destroyed in \(rotation.keyDirectories - rotation.uncleanDirectories.count) of \(Wording.count(rotation.keyDirectories, "key directory", "key directories"))")
            Swift.print("  " + EscrowText.afterRotation(rotation))
        }
        if let outstanding = EscrowText.outstanding(last.outstandingRawEscrows) { Swift.print("  " + outstanding) }
        let whose = receipts.count == 1 ? "this customer's" : "these \(receipts.count) customers'"
        Swift.print(last.complete ? "Complete: no copy of \(whose) data can be decrypted with anything that still exists."
                                  : "INCOMPLETE: \(last.incomplete ?? "")")
    }

    private static func printCustomer(_ receipt: ShredReceipt) {
        RotationText.printFinishedShreds(receipt.finishedEarlierShreds)
        switch receipt.status {
        case .alreadyShredded:
            Swift.print("Already shredded on \(receipt.shreddedAt) (request \(receipt.request)): nothing more to destroy")
        case .notYetBackedUp:
            Swift.print("Erased before any backup on \(receipt.shreddedAt) (request \(receipt.request)): nothing stored; future backups refused")
        case .shredded:
            Swift.print("Shredded \(receipt.pseudonym ?? "-") on \(receipt.shreddedAt) (request \(receipt.request))")
            Swift.print("  customer key \(receipt.destroyedKey ?? "-") destroyed")
            if receipt.unreadable.isEmpty { Swift.print("  no stored copies were recorded for this customer") }
            for location in receipt.unreadable {
                let dates = location.deleteBy.map { "\($0.deleteBy) (\(Wording.count($0.copies, "copy", "copies")))" }.joined(separator: ", ")
                Swift.print("  \(location.location): \(Wording.count(location.copies, "copy", "copies")), \(Wording.count(location.bytes, "byte", "bytes")) now unreadable; removed on their delete-by dates: \(dates)")
            }
        }
    }
}
