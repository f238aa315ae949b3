import Foundation
import LetheCore
import Testing
@testable import LethePolicy

/// Validation: every shipped policy loads; every mistake is reported with file, line and fix.
struct PolicyLoaderTests {
    /// Parses text that must be invalid and returns its problems.
    func problems(_ text: String, file: String = "p.yaml") -> [PolicyProblem] {
        do {
            let policy = try PolicyLoader.parse(text, file: file)
            Issue.record("expected problems, got a policy named \(policy.name)")
            return []
        } catch let error as PolicyError {
            return error.problems
        } catch {
            Issue.record("unexpected error \(error)")
            return []
        }
    }

    @Test func everyShippedPolicyValidates() throws {
        let folder = Fixtures.packageRoot.appendingPathComponent("policies")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        #expect(files.contains("default.yaml") && files.contains("local-only.yaml") && files.contains("example.yaml"))
        for file in files {
            let path = folder.appendingPathComponent(file).path
            let policy = try PolicyLoader.load(path: path)
            #expect(policy.sourceFile == path)
            #expect(policy.tiers[.local] != nil, "\(file)")
        }
    }

    @Test func defaultPolicyReadsAsDocumented() {
        let policy = Fixtures.defaultPolicy
        #expect(policy.name == "default")
        #expect(policy.timeZone.secondsFromGMT(for: Date()) == 0)
        #expect(policy.maxAge == CalendarDuration(190, .day))
        #expect(policy.tiers[.local] == Tier(lifetimes: [.daily: .init(7, .day), .weekly: .init(5, .week), .monthly: .init(6, .month)]))
        #expect(policy.tiers[.offsite] == Tier(lifetimes: [.weekly: .init(5, .week), .monthly: .init(6, .month)], objectLock: .governance))
        #expect(!policy.keepsAnywhere(.yearly))
    }

    /// The local-only default (what `init` writes without an offsite store) is the default with
    /// the offsite block left out: the same zone, cap and local lifetimes.
    @Test func localOnlyPolicyIsTheDefaultWithoutOffsite() throws {
        let url = Fixtures.packageRoot.appendingPathComponent("policies/local-only.yaml")
        let policy = try PolicyLoader.load(path: url.path)
        let standard = Fixtures.defaultPolicy
        #expect(policy.tiers[.offsite] == nil)
        #expect(policy.tiers[.local] == standard.tiers[.local])
        #expect(policy.maxAge == standard.maxAge && policy.timeZoneName == standard.timeZoneName)
    }

    @Test func exampleIsAmsterdamWithOffsiteYearlies() {
        let policy = Fixtures.examplePolicy
        #expect(policy.timeZone.identifier == "Europe/Amsterdam")
        #expect(policy.lifetime(of: .yearly, at: .offsite) == CalendarDuration(1, .year))
        #expect(policy.tiers[.offsite]?.objectLock == .compliance)
        #expect(policy.locations(keeping: .daily) == [.local])
    }

    @Test func noneMeansNoLock() throws {
        let policy = try PolicyLoader.parse("""
            name: n
            timezone: UTC
            max_age: 30d
            local: { daily: 7d }
            offsite: { weekly: 3w, object_lock: none }
            """, file: "n.yaml")
        #expect(policy.tiers[.offsite] == Tier(lifetimes: [.weekly: .init(3, .week)], objectLock: nil))
    }

    @Test func unknownTopLevelKeySuggestsNearest() {
        let found = problems("""
            name: x
            timezon: UTC
            max_age: 30d
            local: { daily: 7d }
            """)
        let unknown = found.first { $0.kind == .unknownKey }
        #expect(unknown?.file == "p.yaml")
        #expect(unknown?.line == 2)
        #expect(unknown?.message == "unknown key 'timezon' at the top level")
        #expect(unknown?.fix.hasPrefix("did you mean 'timezone'?") == true)
        // The misspelt key also leaves the real one missing: both are reported together.
        #expect(found.contains { $0.kind == .missingKey && $0.message.contains("'timezone'") })
    }

    @Test func unknownLocationKeySuggestsNearest() {
        let found = problems("""
            name: x
            timezone: UTC
            max_age: 30d
            local:
              daily: 7d
              wekly: 3w
            """)
        #expect(found.count == 1)
        #expect(found.first?.kind == .unknownKey)
        #expect(found.first?.line == 6)
        #expect(found.first?.message == "unknown key 'wekly' in local")
        #expect(found.first?.fix.contains("did you mean 'weekly'?") == true)
    }

    @Test func unknownTopLevelLocationIsRejected() {
        let found = problems("""
            name: x
            timezone: UTC
            max_age: 30d
            local: { daily: 7d }
            ofsite: { weekly: 3w, object_lock: none }
            """)
        #expect(found.map(\.line) == [5])
        #expect(found.first?.fix.contains("did you mean 'offsite'?") == true)
    }

    @Test func badDurationsAreNamed() {
        let found = problems("""
            name: x
            timezone: UTC
            max_age: 7 days
            local:
              daily: 0d
              weekly: 5
              monthly: 6 months
              yearly: 999y
            """)
        #expect(found.map(\.line) == [3, 5, 6, 7, 8])
        #expect(found.allSatisfy { $0.kind == .badDuration })
        #expect(found[0].message == "max_age: '7 days' is not a duration")
        #expect(found[0].fix.hasPrefix("write e.g. 7d, 5w, 6m, 1y"))
        #expect(found[1].message == "local.daily: '0d' is not a duration")
        #expect(found[2].message == "local.weekly: '5' is not a duration")
        #expect(found[4].message.contains("longer than a century"))
        #expect(found[0].description == "p.yaml:3: max_age: '7 days' is not a duration — write e.g. 7d, 5w, 6m, 1y (a positive whole number, then d, w, m or y)")
    }

    @Test func unknownTimeZoneSuggestsNearest() {
        let found = problems("""
            name: x
            timezone: Europe/Amsterdm
            max_age: 30d
            local: { daily: 7d }
            """)
        #expect(found.count == 1)
        #expect(found.first?.kind == .unknownTimeZone)
        #expect(found.first?.line == 2)
        #expect(found.first?.message == "'Europe/Amsterdm' is not a known IANA time zone")
        #expect(found.first?.fix.hasPrefix("did you mean 'Europe/Amsterdam'?") == true)
    }

    @Test func nonIANAZoneNamesAreRefused() {
        for zone in ["GMT+1", "utc", "Mars/Olympus"] {
            let found = problems("name: x\ntimezone: \(zone)\nmax_age: 30d\nlocal: { daily: 7d }\n")
            #expect(found.map(\.kind) == [.unknownTimeZone], "\(zone)")
        }
    }

    @Test func missingRequiredKeysAreAllReported() {
        let found = problems("""
            # only an offsite tier
            offsite: { weekly: 5w, object_lock: governance }
            """)
        let missing = found.filter { $0.kind == .missingKey }.map(\.message)
        #expect(missing == ["the policy has no 'name'", "the policy has no 'timezone'",
                            "the policy has no 'max_age'", "the policy has no 'local'"])
        #expect(found.allSatisfy { $0.line == 2 && $0.file == "p.yaml" })
    }

    @Test func classOutlivingMaxAgeIsRefused() {
        let found = problems("""
            name: x
            timezone: UTC
            max_age: 180d
            local: { daily: 7d, monthly: 6m }
            offsite:
              weekly: 26w
              yearly: 1y
              object_lock: governance
            """)
        #expect(found.map(\.kind) == [.outlivesMaxAge, .outlivesMaxAge, .outlivesMaxAge])
        #expect(found.map(\.line) == [4, 6, 7])
        #expect(found[0].message == "local keeps monthly for 6m (up to 186 days), longer than max_age 180d (line 3)")
        #expect(found[0].fix == "shorten local.monthly or raise max_age")
        #expect(found[1].message.hasPrefix("offsite keeps weekly for 26w"))
    }

    @Test func conservativeComparison() {
        // 6m fits in 190d (at most 186 days) but not in 185d; 12m is exactly 1y; 1y needs 366d.
        #expect(!CalendarDuration(6, .month).mayOutlast(.init(190, .day)))
        #expect(CalendarDuration(6, .month).mayOutlast(.init(185, .day)))
        #expect(!CalendarDuration(12, .month).mayOutlast(.init(1, .year)))
        #expect(CalendarDuration(13, .month).mayOutlast(.init(1, .year)))
        #expect(!CalendarDuration(1, .year).mayOutlast(.init(366, .day)))
        #expect(CalendarDuration(1, .year).mayOutlast(.init(365, .day)))
        #expect(!CalendarDuration(5, .week).mayOutlast(.init(35, .day)))
        // max_age in months counts at its shortest (28 days a month) against days.
        #expect(CalendarDuration(30, .week).mayOutlast(.init(7, .month)))
        #expect(!CalendarDuration(28, .week).mayOutlast(.init(7, .month)))
    }

    @Test func offsiteNeedsAnExplicitObjectLock() {
        let found = problems("""
            name: x
            timezone: UTC
            max_age: 60d
            local: { daily: 7d }
            offsite: { weekly: 5w }
            """)
        #expect(found.count == 1)
        #expect(found.first?.kind == .badObjectLock)
        #expect(found.first?.line == 5)
        #expect(found.first?.message == "offsite has no object_lock")
        #expect(found.first?.fix.contains("none must be written out") == true)
    }

    @Test func objectLockValuesAndPlacement() {
        let found = problems("""
            name: x
            timezone: UTC
            max_age: 60d
            local: { daily: 7d, object_lock: governance }
            offsite: { weekly: 5w, object_lock: goverance }
            """)
        #expect(found.map(\.kind) == [.badObjectLock, .badObjectLock])
        #expect(found[0].line == 4)
        #expect(found[0].message == "local copies cannot be object-locked")
        #expect(found[1].line == 5)
        #expect(found[1].message == "'goverance' is not an object lock mode")
        #expect(found[1].fix.hasPrefix("did you mean 'governance'?"))
    }

    @Test func notYAMLAtAll() {
        let found = problems("""
            name: x
            timezone: UTC
            local: { daily: 7d
            max_age: 30d
            """)
        #expect(found.count == 1)
        #expect(found.first?.kind == .notYAML)
        #expect(found.first?.message.hasPrefix("not valid YAML:") == true)
        #expect((found.first?.line ?? 0) >= 3)
    }

    @Test func tabsAndSeveralDocuments() {
        let tabs = problems("name: x\n\ttimezone: UTC\n")
        #expect(tabs.map(\.kind) == [.notYAML])
        #expect(tabs.first?.line == 2)
        #expect(tabs.first?.fix == "indent with spaces: YAML does not allow tabs")
        let two = problems("name: a\n---\nname: b\n")
        #expect(two.map(\.kind) == [.notYAML])
        #expect(two.first?.message == "the file holds more than one YAML document")
    }

    @Test func plainTextIsNotAPolicy() {
        let found = problems("just some words\n")
        #expect(found.map(\.kind) == [.wrongShape])
        #expect(found.first?.line == 1)
        let empty = problems("")
        #expect(empty.map(\.kind) == [.missingKey])
        #expect(empty.first?.message == "the file is empty")
    }

    @Test func duplicateKeysAreRefused() {
        let found = problems("""
            name: x
            timezone: UTC
            max_age: 30d
            max_age: 60d
            local: { daily: 7d }
            """)
        #expect(found.map(\.kind) == [.duplicateKey])
        #expect(found.first?.message == "'max_age' appears more than once in the same mapping")
        #expect(found.first?.line == 4)
    }

    @Test func locationThatKeepsNothing() {
        let found = problems("""
            name: x
            timezone: UTC
            max_age: 30d
            local: {}
            """)
        #expect(found.map(\.kind) == [.emptyLocation])
        #expect(found.first?.line == 4)
        #expect(found.first?.message == "local keeps no class")
    }

    @Test func wrongShapes() {
        let found = problems("""
            name: [a, b]
            timezone: UTC
            max_age: { days: 3 }
            local: [daily]
            """)
        #expect(found.map(\.kind) == [.wrongShape, .badDuration, .wrongShape])
        #expect(found.map(\.line) == [1, 3, 4])
    }

    @Test func unreadableFile() {
        let path = "/nonexistent-\(UUID().uuidString)/policy.yaml"
        #expect {
            try PolicyLoader.load(path: path)
        } throws: { error in
            guard case PolicyError.unreadable(let file, _) = error else { return false }
            return file == path && (error as! PolicyError).description.hasPrefix("\(path): cannot read the policy file")
        }
    }

    @Test func descriptionPrintsOneProblemPerLine() {
        let error = PolicyError.invalid([
            PolicyProblem(kind: .missingKey, file: "a.yaml", line: 1, message: "m1", fix: "f1"),
            PolicyProblem(kind: .badDuration, file: "a.yaml", line: 7, message: "m2", fix: "f2"),
        ])
        #expect(error.description == "a.yaml:1: m1 — f1\na.yaml:7: m2 — f2")
    }

    @Test func durationParsing() {
        #expect(CalendarDuration(parsing: "7d") == CalendarDuration(7, .day))
        #expect(CalendarDuration(parsing: "5w") == CalendarDuration(5, .week))
        #expect(CalendarDuration(parsing: "6m") == CalendarDuration(6, .month))
        #expect(CalendarDuration(parsing: "1y") == CalendarDuration(1, .year))
        for bad in ["", "d", "7", "0d", "-1d", "+1d", "7 d", "7D", "1.5m", "7days", "٣d", "100000d"] {
            #expect(CalendarDuration(parsing: bad) == nil, "\(bad)")
        }
        #expect(CalendarDuration(6, .month).description == "6m")
    }
}
