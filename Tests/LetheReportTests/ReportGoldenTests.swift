import Foundation
import LetheTestSupport
import LetheCore
import LetheJobs
@testable import LetheReport
import Testing

/// The report of the golden history (see ``ReportFixture/golden()``), pinned in every format.
@Suite struct ReportGoldenTests {
    /// Built once: the report is read-only (`build()` records nothing).
    static let golden: Result<(ReportFixture, RetentionReport), Error> = Result {
        let fixture = try ReportFixture.golden()
        return (fixture, try ReportJob(home: fixture.home()).build())
    }

    static func report() throws -> (ReportFixture, RetentionReport) { try golden.get() }

    // Golden files: Tests/LetheReportTests/Golden/report.{html,json,csv} pin what `lethe report`
    // writes, after normalising the random parts (pseudonyms, set id suffixes, archive ids,
    // hashes, the temporary folder). After an intended change of output, re-record them with
    // `LETHE_RECORD_GOLDEN=1 swift test --filter LetheReportTests`, review the diff and commit
    // it; without that variable a difference fails the test.
    @Test(arguments: ReportFormat.allCases)
    func goldenReport(_ format: ReportFormat) throws {
        let (fixture, report) = try Self.report()
        let name = "report.\(format.rawValue)"
        let actual = GoldenNormaliser.normalise(Self.maskingSizes(report.rendered(as: format), format: format), root: fixture.root.url)
        guard let expected = try GoldenFile.expected(name, actual: actual, bundle: .module) else { return }
        #expect(actual == expected, "the report differs from Golden/\(name); if intended, re-record with LETHE_RECORD_GOLDEN=1")
    }

    /// `text` with the copies' sizes (and their totals) replaced by `size`: an archive's manifest
    /// holds its files' inode numbers (issue 15), whose digits vary from one file system to the
    /// next, and so does the archive's size.
    static func maskingSizes(_ text: String, format: ReportFormat) -> String {
        switch format {
        case .json:
            return text.replacingOccurrences(of: #""bytes" : [0-9]+"#, with: #""bytes" : "size""#, options: .regularExpression)
        case .csv:
            let lines = text.components(separatedBy: "\r\n")  // RFC 4180 line ends
            guard let column = lines.first?.split(separator: ",").firstIndex(of: "bytes") else { return text }
            return ([lines[0]] + lines.dropFirst().map { line in
                var fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                if fields.count > column { fields[column] = "size" }
                return fields.joined(separator: ",")
            }).joined(separator: "\r\n")
        case .html:
            return text.replacingOccurrences(of: #"\b[0-9]+(\.[0-9]+)? (B|KiB|MiB|GiB)\b"#, with: "size", options: .regularExpression)
        }
    }

    /// The history is what the fixture says: the numbers an auditor reads at the top.
    @Test func theModelHoldsTheHistory() throws {
        let (_, report) = try Self.report()
        #expect(report.generatedAt == ReportFixture.at("2026-11-10T12:00:00Z"))
        #expect(report.summary.headline == "1 copy overdue")
        #expect(report.summary.overdueCopies == 1 && report.summary.maxAgeViolations == 0 && report.summary.ledgerIntact)
        #expect(report.summary.lastExpireRun == ReportFixture.at("2026-11-10T02:00:00Z"))
        #expect(report.ledger.intact && report.ledger.headHash?.count == 64)
        #expect(report.policy.name == "default" && report.policy.maxAge == "190d")
        #expect(report.policy.locations.map(\.location) == [.local, .offsite])
        #expect(report.policy.locations.last?.objectLock == "governance")
        #expect(report.sets.map(\.class) == [.monthly, .weekly, .daily, .daily])

        // 4 sets x 2 customers locally; the monthly and weekly sets offsite as well.
        #expect(report.copies.count == 12)
        let local = try #require(report.locations.first { $0.location == .local })
        #expect(local.count(.overdue).copies == 1 && local.count(.deleted).copies == 1)
        #expect(local.count(.shredded).copies == 3 && local.count(.live).copies == 3)
        let offsite = try #require(report.locations.first { $0.location == .offsite })
        #expect(offsite.count(.shredded).copies == 2 && offsite.count(.live).copies == 2 && offsite.count(.pending).copies == 0)

        let overdue = try #require(report.overdue.first)
        #expect(overdue.set.rawValue.hasPrefix("20261103T020000Z-") && overdue.location == .local)
        #expect(overdue.overdueSeconds == Int64(12 * 3_600))
        #expect(overdue.lastFailure?.contains("503 Service Unavailable") == true)
        #expect(overdue.lastFailureAt == ReportFixture.at("2026-11-10T02:00:00Z"))

        let erasure = try #require(report.erasures.first)
        #expect(report.erasures.count == 1)
        #expect(erasure.request == "ERASURE-2026-0117" && erasure.shreddedAt == ReportFixture.at("2026-11-10T09:00:00Z"))
        #expect(erasure.copies == 5)
        #expect(erasure.byLocation == [.init(location: .local, copies: 3, bytes: local.count(.shredded).bytes),
                                       .init(location: .offsite, copies: 2, bytes: offsite.count(.shredded).bytes)])
        // The expire run at 02:00 rotated 1 -> 2 (cryptographic expiry), the shred 2 -> 3.
        #expect(erasure.kekRotation?.fromEpoch == 2 && erasure.kekRotation?.toEpoch == 3 && erasure.kekRotation?.complete == true)
        #expect(report.expiryKeyDestructions.map(\.deleteBy) == [[ReportFixture.at("2026-11-10T00:00:00Z")]])
        #expect(report.expireRuns.map(\.state) == ["partial"] && report.expireRuns.first?.failed == 1)

        // The oldest stored copy is the monthly set's, with about 174 days left before max_age.
        let check = try #require(report.maxAge.first { $0.location == .local })
        #expect(check.oldest?.set.rawValue.hasPrefix("20261101T020000Z-") == true)
        #expect(check.latestAllowed == ReportFixture.at("2027-05-10T00:00:00Z"))
        #expect(check.violations == 0 && (check.marginSeconds ?? 0) > 170 * 86_400)
    }

    @Test func theOverdueCopyIsRedInHTMLAndHasItsOverdueDaysInCSV() throws {
        let (_, report) = try Self.report()
        let overdue = try #require(report.overdue.first)
        let html = report.html()
        #expect(html.contains("<p class=\"headline\">1 copy overdue</p>"))
        #expect(html.contains("<section class=\"verdict bad\">"))
        #expect(html.contains("tr.overdue td { background: #fde2e2; color: #8b0000; }"))
        // Its rows (in the overdue list and in the copy list) are overdue rows; no live copy's is.
        let rows = html.components(separatedBy: "\n").filter { $0.hasPrefix("<tr") }
        let itsRows = rows.filter { $0.contains(overdue.objectKey.archiveSet?.rawValue ?? "-") && $0.contains(overdue.pseudonym.rawValue) }
        #expect(itsRows.count == 2 && itsRows.allSatisfy { $0.hasPrefix("<tr class=\"overdue\">") }, "\(itsRows)")
        #expect(itsRows.contains { $0.contains("503 Service Unavailable") && $0.contains("12 h") })
        for copy in report.copies where copy.state == .live {
            #expect(!rows.contains { $0.hasPrefix("<tr class=\"overdue\">") && $0.contains(copy.set.rawValue) && $0.contains(copy.pseudonym.rawValue) && $0.contains("live") })
        }

        let csv = report.csv().components(separatedBy: "\r\n").dropLast()
        #expect(csv.first == "pseudonym,set,class,location,object_key,created,delete_by,state,bytes,overdue_days,unfinished_shred,finding")
        let line = try #require(csv.first { $0.contains(overdue.objectKey.rawValue) })
        #expect(line.hasSuffix(",overdue,\(overdue.bytes),0.50,,"))
        #expect(csv.dropFirst().filter { $0.contains(",overdue,") }.count == 1)
        // The others have no overdue days, and (every shred finished) no unfinished-shred flag.
        #expect(csv.dropFirst().filter { !$0.contains(",overdue,") }.allSatisfy { $0.hasSuffix(",,") })
    }

    /// Customer ids are in no format: pseudonyms only.
    @Test func noCustomerIdInAnyFormat() throws {
        let (fixture, report) = try Self.report()
        for format in ReportFormat.allCases {
            let text = report.rendered(as: format)
            for id in fixture.customerIDs {
                #expect(!text.contains(id), "\(format): customer id found")
                #expect(!text.contains(String(id.prefix(5))), "\(format): part of a customer id found")
            }
        }
    }

    @Test func jsonReadsBackAsTheSameReport() throws {
        let (_, report) = try Self.report()
        let json = report.json()
        #expect(try RetentionReport.decode(json: Data(json.utf8)) == report)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["generated_at"] as? String == "2026-11-10T12:00:00Z")
        #expect((object["summary"] as? [String: Any])?["overdue_copies"] as? Int == 1)
    }
}
