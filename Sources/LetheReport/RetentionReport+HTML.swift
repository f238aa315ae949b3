import Foundation
import LetheCore

extension RetentionReport {
    /// At most this many copies are listed one by one in the HTML page; beyond, the page says
    /// how many there are and points at the CSV (every overdue copy is always listed).
    public static let htmlCopyLimit = 1_000

    /// The report for people: one self-contained HTML page (inline CSS, no script, nothing
    /// fetched), with the verdict at the top, a delete-by timeline, overdue copies and unfinished shreds in red, then the ledger, the
    /// policy, each location, the `max_age` check, sets, erasures, expiry-key destructions,
    /// recent expire runs and the copies. Every string from the catalog or ledger is escaped.
    public func html() -> String {
        var page = HTMLPage()
        page.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        page.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        page.raw("<title>Lethe retention report \(HTMLPage.escape(Self.display(generatedAt)))</title>\n")
        page.raw("<style>\n\(Self.css)\(Self.timelineCSS)</style>\n</head>\n<body>\n")
        page.raw("<h1>Lethe retention report</h1>\n")
        page.raw("<p class=\"meta\">Generated \(HTMLPage.time(generatedAt)) for home <code>\(HTMLPage.escape(home))</code>, policy <strong>\(HTMLPage.escape(policy.name))</strong>.</p>\n")
        summarySection(&page)
        timelineSection(&page)
        overdueSection(&page)
        unfinishedShredSection(&page)
        ledgerSection(&page)
        policySection(&page)
        locationsSection(&page)
        maxAgeSection(&page)
        setsSection(&page)
        erasuresSection(&page)
        expirySection(&page)
        copiesSection(&page)
        page.raw("<footer>Customers appear by pseudonym only: the catalog and the ledger this report is built from hold no customer id. ")
        page.raw("Running the report records a <code>report.generated</code> event in the ledger, after event \(ledger.headSequence.map(String.init) ?? "0").")
        if let signedWith {
            page.raw(" Written to a file, the report is signed by this home's key <code>\(HTMLPage.escape(signedWith))</code>: check the <code>.minisig</code> file beside it with <code>minisign -Vm FILE -P KEY</code> and the public key the operator gave you (<code>lethe keys public-key</code>), never one taken from the report.")
        }
        page.raw("</footer>\n")
        page.raw("</body>\n</html>\n")
        return page.text
    }

    // MARK: Sections

    private func summarySection(_ page: inout HTMLPage) {
        page.raw("<section class=\"verdict \(summary.ok ? "good" : "bad")\">\n<p class=\"headline\">\(HTMLPage.escape(summary.headline))</p>\n<ul>\n")
        page.raw("<li>\(Wording.count(summary.copies, "copy", "copies")) recorded; \(summary.overdueCopies) overdue.</li>\n")
        page.raw(summary.maxAgeViolations == 0
                 ? "<li>No stored copy is older than max_age \(HTMLPage.escape(policy.maxAge)).</li>\n"
                 : "<li class=\"alarm\">\(Wording.count(summary.maxAgeViolations, "stored copy is", "stored copies are")) beyond max_age \(HTMLPage.escape(policy.maxAge)).</li>\n")
        page.raw(ledger.intact
                 ? "<li>Ledger intact: \(Wording.count(ledger.events, "event", "events")), every hash and link checks.</li>\n"
                 : "<li class=\"alarm\">Ledger BROKEN at event \(ledger.firstBrokenEvent.map(String.init) ?? "?"): \(HTMLPage.escape(ledger.problem ?? "the chain does not check")).</li>\n")
        if let unfinished = unfinishedShred {
            page.raw("<li class=\"alarm\">A shred is unfinished (see <a href=\"#unfinished-shreds\">below</a>): \(HTMLPage.escape(unfinished.fix)).</li>\n")
        }
        page.raw("<li>Last expire run: \(summary.lastExpireRun.map(HTMLPage.time) ?? "none recorded").</li>\n")
        verificationItem(&page)
        page.raw("</ul>\n")
        if !summary.problems.isEmpty {
            page.raw("<p><strong>To look at:</strong></p>\n<ol class=\"problems\">\n")
            for problem in summary.problems { page.raw("<li>\(HTMLPage.escape(problem))</li>\n") }
            page.raw("</ol>\n")
        }
        page.raw("</section>\n")
    }

    /// The summary's line on `lethe verify`: when each kind last ran and what it found.
    private func verificationItem(_ page: inout HTMLPage) {
        var parts: [String] = []
        if let structure = verification.structure {
            parts.append("<code>lethe verify</code> \(HTMLPage.time(structure.at)): " + (structure.findings == 0 && structure.unreachable.isEmpty
                ? "catalog and stores agree" : "\(Wording.count(structure.findings, "disagreement", "disagreements"))"
                  + (structure.unreachable.isEmpty ? "" : ", not listed: \(HTMLPage.escape(structure.unreachable.joined(separator: ", ")))")))
        }
        if let copies = verification.copies {
            parts.append("<code>lethe verify --copies</code> \(HTMLPage.time(copies.at)): \(copies.checked - copies.failed) of \(Wording.count(copies.checked, "copy", "copies")) whole and authentic")
        }
        let text = parts.isEmpty ? "Never verified: run <code>lethe verify</code>." : "Last verified: \(parts.joined(separator: "; "))."
        page.raw("<li\(verification.isStale || verification.foundProblems ? " class=\"alarm\"" : "")>\(text)</li>\n")
    }

    private func overdueSection(_ page: inout HTMLPage) {
        page.raw("<h2 id=\"overdue\">Overdue copies</h2>\n")
        guard !overdue.isEmpty else {
            return page.raw("<p>None: every copy whose delete-by has passed is deleted.</p>\n")
        }
        page.raw("<p>Past their delete-by and not yet deleted. Their expiry keys are destroyed by the expire run, so they are unreadable; the next run tries to delete them again.</p>\n")
        page.table(["Location", "Pseudonym", "Set", "Class", "Delete-by", "Overdue for", "Last failure"]) { page in
            for copy in overdue {
                let failure = copy.lastFailure.map { "\(HTMLPage.escape($0)) <span class=\"when\">(\(HTMLPage.time(copy.lastFailureAt ?? generatedAt)))</span>" }
                    ?? "<span class=\"when\">no expire run has tried it yet</span>"
                page.row([HTMLPage.escape(copy.location.rawValue), HTMLPage.code(copy.pseudonym.rawValue), HTMLPage.code(copy.set.rawValue),
                          HTMLPage.escape(copy.class.rawValue), HTMLPage.time(copy.deleteBy),
                          HTMLPage.escape(Self.duration(copy.overdueSeconds ?? 0)), failure], class: "overdue")
            }
        }
    }

    private func unfinishedShredSection(_ page: inout HTMLPage) {
        page.raw("<h2 id=\"unfinished-shreds\">Unfinished shreds</h2>\n")
        guard let unfinished = unfinishedShred else {
            return page.raw("<p>None: every shred is recorded and followed by a complete key-encryption-key rotation.</p>\n")
        }
        page.raw("<p class=\"alarm\">A shred stopped half-way: \(HTMLPage.escape(unfinished.fix)).</p>\n")
        if !unfinished.unrecorded.isEmpty {
            page.raw("<p>These customer keys are destroyed, so the copies are unreadable, but the shred is not recorded: the copies are still listed as stored and the ledger has no event for them.</p>\n")
            page.table(["Key destroyed", "Pseudonym", "Request", "Copies still listed"]) { page in
                for shred in unfinished.unrecorded {
                    page.row([HTMLPage.time(shred.shreddedAt), HTMLPage.code(shred.pseudonym.rawValue), HTMLPage.escape(shred.request),
                              String(shred.listedCopies)], class: "overdue")
                }
            }
        }
        if let owed = unfinished.owedRotation {
            page.raw("<p class=\"alarm\">Key-encryption-key rotation owed: \(HTMLPage.escape(owed)). Until it is done, a copy of the key store taken before the shred can still open the customer's copies.</p>\n")
        }
        if !unfinished.unrotatedErasures.isEmpty {
            page.raw("<p>Shreds not followed by a complete key-encryption-key rotation (ledger events \(unfinished.unrotatedErasures.map(String.init).joined(separator: ", "))): see <a href=\"#erasures\">Erasures</a>.</p>\n")
        }
    }

    private func ledgerSection(_ page: inout HTMLPage) {
        page.raw("<h2 id=\"ledger\">Ledger</h2>\n<dl>\n")
        page.raw("<dt>Chain</dt><dd>\(ledger.intact ? "intact" : "<span class=\"alarm\">BROKEN</span>"): \(Wording.count(ledger.events, "event", "events")) checked</dd>\n")
        if !ledger.intact {
            page.raw("<dt>First broken event</dt><dd class=\"alarm\">\(ledger.firstBrokenEvent.map(String.init) ?? "?"): \(HTMLPage.escape(ledger.problem ?? ""))</dd>\n")
        }
        page.raw("<dt>Head</dt><dd>event \(ledger.headSequence.map(String.init) ?? "none")\(ledger.headAt.map { " at " + HTMLPage.time($0) } ?? "")</dd>\n")
        page.raw("<dt>Head hash</dt><dd><code class=\"hash\">\(HTMLPage.escape(ledger.headHash ?? "-"))</code></dd>\n</dl>\n")
        page.raw("<p class=\"note\">Note the head hash. Every later event is chained to it: <code>lethe verify --ledger</code> and the next report recompute the chain, and an edited, deleted or reordered event breaks it.</p>\n")
    }

    private func policySection(_ page: inout HTMLPage) {
        page.raw("<h2 id=\"policy\">Policy</h2>\n<dl>\n")
        page.raw("<dt>Name</dt><dd>\(HTMLPage.escape(policy.name))</dd>\n")
        page.raw("<dt>File</dt><dd><code>\(HTMLPage.escape(policy.file))</code></dd>\n")
        page.raw("<dt>Time zone</dt><dd>\(HTMLPage.escape(policy.timeZone))</dd>\n")
        page.raw("<dt>max_age</dt><dd>\(HTMLPage.escape(policy.maxAge)): no copy may exist after the start of its creation day + \(HTMLPage.escape(policy.maxAge))</dd>\n</dl>\n")
        page.table(["Location"] + RetentionClass.allCases.map(\.rawValue) + ["Object lock"]) { page in
            for tier in policy.locations {
                let cells = RetentionClass.allCases.map { retentionClass in
                    tier.lifetimes.first { $0.class == retentionClass }.map { HTMLPage.escape($0.keep) } ?? "<span class=\"none\">no copy</span>"
                }
                page.row([HTMLPage.escape(tier.location.rawValue)] + cells + [HTMLPage.escape(tier.objectLock)])
            }
        }
    }

    private func locationsSection(_ page: inout HTMLPage) {
        page.raw("<h2 id=\"locations\">Copies by location</h2>\n")
        page.table(["Location", "Live", "Pending", "Overdue", "Deleted", "Shredded"]) { page in
            for location in locations {
                let cells = location.states.map { count in
                    "\(count.copies) <span class=\"bytes\">\(HTMLPage.escape(Self.bytes(count.bytes)))</span>"
                }
                let name = HTMLPage.escape(location.location.rawValue) + (location.inPolicy ? "" : " <span class=\"none\">(not in the policy)</span>")
                page.row([name] + cells, class: overdue.contains { $0.location == location.location } ? "overdue" : nil)
            }
        }
        page.raw("<p class=\"note\">Deleted and shredded copies are history: their rows stay in the catalog with the size they had.</p>\n")
    }

    private func maxAgeSection(_ page: inout HTMLPage) {
        page.raw("<h2 id=\"max-age\">The max_age promise</h2>\n")
        page.raw("<p>No copy outlives max_age \(HTMLPage.escape(policy.maxAge)). The oldest copy still stored at each location:</p>\n")
        page.table(["Location", "Oldest copy", "Created", "Age", "Must be gone by", "Margin", "Violations"]) { page in
            for check in maxAge {
                guard let oldest = check.oldest, let limit = check.latestAllowed else {
                    page.row([HTMLPage.escape(check.location.rawValue), "<span class=\"none\">no stored copies</span>", "", "", "", "", String(check.violations)])
                    continue
                }
                let margin = check.marginSeconds ?? 0
                let marginText = margin > 0 ? Self.duration(margin) : "exceeded by " + Self.duration(-margin)
                page.row([HTMLPage.escape(check.location.rawValue), HTMLPage.code(oldest.pseudonym.rawValue) + " in " + HTMLPage.code(oldest.set.rawValue),
                          HTMLPage.time(oldest.created), HTMLPage.escape(Self.duration(check.ageSeconds ?? 0)), HTMLPage.time(limit),
                          HTMLPage.escape(marginText), String(check.violations)],
                         class: check.violations > 0 || margin <= 0 ? "overdue" : nil)
            }
        }
    }

    private func setsSection(_ page: inout HTMLPage) {
        page.raw("<h2 id=\"sets\">Sets</h2>\n")
        guard !sets.isEmpty else { return page.raw("<p>No set has been written yet.</p>\n") }
        page.table(["Set", "Created", "Class", "State", "Customers", "Failed", "Policy"]) { page in
            for set in sets {
                page.row([HTMLPage.code(set.set.rawValue), HTMLPage.time(set.created), HTMLPage.escape(set.class.rawValue), HTMLPage.escape(set.state.rawValue),
                          String(set.customers), String(set.failed), HTMLPage.escape(set.policy)],
                         class: set.state == .complete ? nil : "warn")
            }
        }
    }

    private func erasuresSection(_ page: inout HTMLPage) {
        page.raw("<h2 id=\"erasures\">Erasures (crypto-shred)</h2>\n")
        guard !erasures.isEmpty else { return page.raw("<p>No customer has been shredded.</p>\n") }
        page.raw("<p>Each shred destroyed the customer's key, so every copy below became unreadable at once, everywhere; the key-encryption-key rotation after it made earlier copies of the key store inert.</p>\n")
        page.table(["Shredded", "Pseudonym", "Request", "Copies made unreadable", "Key-encryption key"]) { page in
            for erasure in erasures {
                let copies = erasure.byLocation.isEmpty ? "0"
                    : erasure.byLocation.map { "\(HTMLPage.escape($0.location?.rawValue ?? "-")): \($0.copies) (\(HTMLPage.escape(Self.bytes($0.bytes))))" }.joined(separator: "<br>")
                let kek = erasure.kekRotation.map { rotation in
                    "epoch \(rotation.fromEpoch) &rarr; \(rotation.toEpoch) at \(HTMLPage.time(rotation.at))" + (rotation.complete ? "" : " <span class=\"alarm\">(old key not yet destroyed everywhere)</span>")
                } ?? "<span class=\"alarm\">not rotated yet</span>"
                page.row([HTMLPage.time(erasure.shreddedAt), HTMLPage.code(erasure.pseudonym.rawValue), HTMLPage.escape(erasure.request), copies, kek],
                         class: erasure.kekRotation?.complete == true ? nil : "overdue")
            }
        }
    }

    private func expirySection(_ page: inout HTMLPage) {
        page.raw("<h2 id=\"expiry\">Expiry keys destroyed</h2>\n")
        if expiryKeyDestructions.isEmpty {
            page.raw("<p>None yet.</p>\n")
        } else {
            page.raw("<p>When a delete-by date passes, its expiry key is destroyed: every copy due that day is unreadable, wherever it still is.</p>\n")
            page.table(["Destroyed", "Keys of the delete-by dates"]) { page in
                for destruction in expiryKeyDestructions {
                    page.row([HTMLPage.time(destruction.at), destruction.deleteBy.map(HTMLPage.time).joined(separator: ", ")])
                }
            }
        }
        page.raw("<h2 id=\"expire-runs\">Recent expire runs</h2>\n")
        guard !expireRuns.isEmpty else { return page.raw("<p>No expire run recorded.</p>\n") }
        if expireRunsTotal > expireRuns.count {
            page.raw("<p>The last \(expireRuns.count) of \(expireRunsTotal), newest first.</p>\n")
        }
        page.table(["Finished", "State", "Kept", "Deleted", "Cancelled", "Failed", "Keys destroyed"]) { page in
            for run in expireRuns {
                page.row([HTMLPage.time(run.at), HTMLPage.escape(run.state), String(run.kept), String(run.deleted), String(run.cancelled),
                          String(run.failed), String(run.keysDestroyed)], class: run.failed > 0 ? "overdue" : nil)
            }
        }
    }

    private func copiesSection(_ page: inout HTMLPage) {
        page.raw("<h2 id=\"copies\">Copies</h2>\n")
        guard copies.count <= Self.htmlCopyLimit else {
            return page.raw("<p>\(copies.count) copies: too many to list here; <code>lethe report --format csv</code> lists every one.</p>\n")
        }
        guard !copies.isEmpty else { return page.raw("<p>No copies recorded.</p>\n") }
        page.table(["Pseudonym", "Set", "Class", "Location", "Created", "Delete-by", "State", "Size"]) { page in
            for copy in copies {
                var state = copy.isOverdue ? "\(copy.state == .overdue ? "" : copy.state.rawValue + ", ")overdue by \(Self.duration(copy.overdueSeconds ?? 0))" : copy.state.rawValue
                if let flag = copy.unfinishedShred {
                    state += flag == .unrecorded ? " (key destroyed, shred not recorded)" : " (key-encryption-key rotation owed)"
                }
                if let finding = copy.finding {
                    state += "; verify found it \(finding.rawValue.replacingOccurrences(of: "_", with: " "))\(copy.found.map { " on " + Timestamp.iso($0) } ?? "")"
                }
                page.row([HTMLPage.code(copy.pseudonym.rawValue), HTMLPage.code(copy.set.rawValue), HTMLPage.escape(copy.class.rawValue),
                          HTMLPage.escape(copy.location.rawValue),
                          HTMLPage.time(copy.created), HTMLPage.time(copy.deleteBy), HTMLPage.escape(state),
                          HTMLPage.escape(Self.bytes(copy.bytes))],
                         class: copy.isOverdue || copy.unfinishedShred != nil || copy.finding != nil ? "overdue" : (copy.state == .live || copy.state == .pending ? nil : "gone"))
            }
        }
    }

    // MARK: Formatting

    static let css = """
        body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2430; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; }
        h1 { font-size: 1.6rem; margin-bottom: .2rem; }
        h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #d5dae1; padding-bottom: .2rem; }
        .meta, .note, .when, .bytes { color: #5b6574; }
        .note { font-size: .9rem; }
        code { font: .85rem/1.3 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
        code.hash { word-break: break-all; }
        .verdict { border-radius: 6px; padding: .6rem 1rem; margin: 1rem 0; border: 1px solid; }
        .verdict.good { background: #e8f5ea; border-color: #7cbf86; }
        .verdict.bad { background: #fde8e8; border-color: #d9534f; }
        .headline { font-size: 1.35rem; font-weight: 700; margin: .2rem 0 .4rem; }
        .verdict.good .headline { color: #1e6b2b; }
        .verdict.bad .headline, .alarm { color: #b00020; font-weight: 600; }
        table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .9rem; }
        th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e3e7ec; vertical-align: top; }
        th { background: #f3f5f8; font-weight: 600; }
        td code, td time { white-space: nowrap; }
        tr.overdue td { background: #fde2e2; color: #8b0000; }
        tr.warn td { background: #fff6e0; }
        tr.gone td { color: #7a828e; }
        .none { color: #9aa1ab; font-style: italic; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
        dt { font-weight: 600; }
        dd { margin: 0; }
        footer { margin-top: 2.5rem; font-size: .85rem; color: #5b6574; border-top: 1px solid #d5dae1; padding-top: .5rem; }

        """

    /// "2026-11-10 02:00:00 UTC".
    static func display(_ date: Date) -> String {
        Timestamp.iso(date).replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: " UTC")
    }

    /// "3 d 4 h", "5 h 12 min", "42 min", "under a minute".
    static func duration(_ seconds: Int64) -> String {
        let days = seconds / 86_400, hours = seconds % 86_400 / 3_600, minutes = seconds % 3_600 / 60
        if days > 0 { return hours > 0 ? "\(days) d \(hours) h" : "\(days) d" }
        if hours > 0 { return minutes > 0 ? "\(hours) h \(minutes) min" : "\(hours) h" }
        return minutes > 0 ? "\(minutes) min" : "under a minute"
    }

    /// "512 B", "1.5 KiB", "3.2 MiB", … (one decimal, rounded down; no locale involved).
    static func bytes(_ count: Int64) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB"]
        guard count >= 1024 else { return "\(count) B" }
        var scaled = count * 10 / 1024, unit = 0
        while scaled >= 10_240 && unit < units.count - 1 {
            scaled /= 1024
            unit += 1
        }
        return "\(scaled / 10).\(scaled % 10) \(units[unit])"
    }
}
