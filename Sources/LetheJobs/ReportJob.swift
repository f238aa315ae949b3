import Foundation
import LetheCatalog
import LetheCore
import LetheCrypto
import LetheKeys
import LethePolicy
import LetheReport

/// `lethe report`: the retention report for auditors, built from the catalog, the ledger and
/// the policy at the home's `now`.
///
/// Reading changes nothing; the run then records a `report.generated` event (format, counts,
/// the ledger head it saw), so the report is itself part of the ledger from then on.
///
/// Overdue means: a live copy whose delete-by is at or before `now` (the expire run must delete
/// it), or a pending one past its date (the expire run must cancel it); the same rule as
/// `lethe list archives` and the same plan as `lethe expire --dry-run`.
///
/// Unfinished shred means: the key store holds a shred whose ledger event is missing (a shred
/// killed after destroying the key), or owes a KEK rotation, or a shred in the ledger is not
/// followed by a *complete* rotation (one recorded `complete: no` left the old KEK in a key
/// directory, so it does not count). The key store is only read.
public struct ReportJob: Sendable {
    let home: Home

    /// A report on `home`.
    public init(home: Home) { self.home = home }

    /// The event this job appends.
    public static let generatedEvent = LedgerEvent.ReportGenerated.kind.rawValue

    /// Builds the report at the clock's `now`, changing nothing: reads the catalog, the ledger,
    /// the key store (what interrupted shreds left undone) and the policy, plans the retention
    /// at `now`, with the last verify of each kind and the copies' findings, and hands them to ``RetentionReport/build(copies:sets:events:verification:head:keyStore:plan:policy:home:offsiteStore:findings:signedWith:now:)``.
    ///
    /// - Throws: `clockWentBack` if the clock reads earlier than the last recorded event;
    ///   catalog errors if the catalog cannot be read. A broken ledger does not throw: the
    ///   report says so (``RetentionReport/LedgerSummary/intact`` is false); nor does a key
    ///   store that cannot be read (the report names it as owing a rotation). An event the
    ///   report reads whose details do not decode does (`CatalogError.invalidEvent`, exit 3).
    public func build() throws -> RetentionReport {
        let now = home.clock.now()
        try Maintenance(home: home).refuseClockGoneBack(now: now)
        let verification = try home.catalog.verifyLedger()
        let head = try home.catalog.ledgerHead()
        let catalog = home.catalog
        let events = RetentionReport.LedgerHistory(
            shreds: try catalog.events(LedgerEvent.CustomerShredded.self), rotations: try catalog.events(LedgerEvent.KeysRotated.self),
            deleteFailures: try catalog.events(LedgerEvent.CopyDeleteFailed.self),
            uploadFailures: try catalog.events(LedgerEvent.CopyUploadFailed.self),
            expiryDestructions: try catalog.events(LedgerEvent.KeysExpiryDestroyed.self),
            expireRuns: try catalog.events(LedgerEvent.ExpireFinished.self),
            lastStructureCheck: try catalog.latestEvent(LedgerEvent.StructureVerified.self),
            lastCopiesCheck: try catalog.latestEvent(LedgerEvent.CopiesVerified.self))
        let records = try home.catalog.copies()
        return RetentionReport.build(
            copies: records, sets: try home.catalog.sets(), events: events, verification: verification, head: head,
            keyStore: keyStoreFindings(), plan: RetentionPlanner.plan(copies: records, policy: try home.policy, now: now),
            policy: try home.policy, home: home.url.path, offsiteStore: home.offsiteConfigured, findings: try catalog.copyFindings(),
            signedWith: Self.signingKeyID(of: home), now: now)
    }

    /// What the key store says about interrupted shreds; reads, never writes. A key store that
    /// cannot be read is named as such, in place of the rotation it may owe.
    func keyStoreFindings() -> RetentionReport.KeyStoreFindings {
        do {
            let (pending, owed) = try KeyMaintenance(home: home).unfinished()
            return .init(pendingShreds: pending.map { ($0.pseudonym, $0.request, $0.shreddedAt) }, owedRotation: owed)
        } catch {
            return .init(pendingShreds: [], owedRotation: "the key store could not be checked (\(error))")
        }
    }

    /// The id of the home's signing key, or nil when it has none or the key store cannot open it
    /// now (a report that cannot name its key is still written; signing one then fails).
    static func signingKeyID(of home: Home) -> String? {
        guard let key = try? home.keys.signingKey() else { return nil }
        return Minisign.keyIDHex(key)
    }

    /// Builds the report, renders it in `format`, hands the text to `deliver` (standard output,
    /// or ``write(_:to:)``), then records a `report.generated` event.
    ///
    /// - Returns: the report (``RetentionReport/ledger`` says whether the ledger is intact; the
    ///   CLI exits 3 when it is not, after delivering the report).
    /// - Throws: what ``build()`` throws; what `deliver` throws (nothing is recorded then);
    ///   catalog errors if the event cannot be appended.
    ///   - deliverSignature: when given, the rendered text is also signed with the home's signing
    ///     key (created on first use) and the `.minisig` text handed to it, after `deliver`; the
    ///     event then names the key (`signed_by`).
    @discardableResult
    public func run(format: ReportFormat, deliver: (String) throws -> Void,
                    deliverSignature: ((String) throws -> Void)? = nil) throws -> RetentionReport {
        if deliverSignature != nil { _ = try home.keys.signingKeyCreatingIfNeeded() }
        let report = try build()
        let text = report.rendered(as: format)
        try deliver(text)
        var signedBy: String?
        if let deliverSignature {
            let signature = try DocumentSigner(home: home).sign(text, comment: "lethe report generated_at=\(Timestamp.iso(report.generatedAt)) format=\(format.rawValue) ledger_head=\(report.ledger.headSequence.map(String.init) ?? "0")")
            try deliverSignature(signature.minisig)
            signedBy = signature.keyID
        }
        let generated = LedgerEvent.ReportGenerated(
            format: format.rawValue, copies: report.summary.copies, overdue: report.summary.overdueCopies,
            maxAgeViolations: report.summary.maxAgeViolations, sets: report.sets.count, erasures: report.erasures.count,
            ledgerIntact: report.ledger.intact, unfinishedShred: report.summary.unfinishedShred, ledgerEvents: report.ledger.events,
            signedBy: signedBy, ledgerHead: report.ledger.headSequence, ledgerHeadHash: report.ledger.headHash,
            firstBroken: report.ledger.firstBrokenEvent)
        try home.catalog.record(LedgerEvent(generated, at: report.generatedAt))
        home.log.info(Self.generatedEvent, generated.details.filter { $0.key != "ledger_head_hash" })
        if !report.ledger.intact {
            home.log.error("ledger.broken", ["first_broken": report.ledger.firstBrokenEvent.map(String.init) ?? "-"])
        }
        return report
    }

    /// Writes `text` to `url` atomically: a temporary file beside it, synced, then renamed over
    /// it (and the folder synced). Readers see the old file or the whole new one, never a part.
    ///
    /// - Throws: `DurableFileError` when the folder is not writable or the disk is full (the
    ///   temporary file is removed; `url` is untouched).
    public static func write(_ text: String, to url: URL) throws {
        try Array(text.utf8).withUnsafeBytes { try DurableFile.replace(url, with: $0, mode: 0o640) }
    }
}
