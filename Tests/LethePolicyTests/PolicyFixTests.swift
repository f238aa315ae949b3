import Foundation
import Testing
import Yams
@testable import LethePolicy

/// Every fix `policy check` suggests can be pasted: each snippet between backquotes is a
/// `key: value` line of YAML, and put into an otherwise valid policy, the policy loads (prose
/// and names in fixes are not quoted that way). A required key is never suggested for removal.
struct PolicyFixTests {
    /// Policies that between them reach every problem the loader reports with a fix.
    static let broken = [
        "",
        "just some words\n",
        "- a\n- b\n",
        "name: a\n---\nname: b\n",
        "name: x\n\ttimezone: UTC\n",
        "name: x\nname: y\n",
        "offsite: { weekly: 5w, object_lock: governance }\n",
        "name: ''\ntimezone: ''\nmax_age: 7 days\nlocal: [7d]\n",
        "name: x\ntimezon: UTC\nmax_age: 30d\nlocal: { daily: 7d, weekli: 5w }\n",
        "name: x\ntimezone: CET\nmax_age: 30d\nlocal: { daily: 7d }\n",
        "name: x\ntimezone: UTC\nmax_age: 30d\nlocal: { }\n",
        "name: x\ntimezone: UTC\nmax_age: 30d\nlocal: { object_lock: governance }\n",
        "name: x\ntimezone: UTC\nmax_age: 30d\nlocal: { daily: 7d }\noffsite: { weekly: 5w }\n",
        "name: x\ntimezone: UTC\nmax_age: 30d\nlocal: { daily: 7d }\noffsite: { weekly: 5w, object_lock: govrnance }\n",
        "name: x\ntimezone: UTC\nmax_age: 30d\nlocal: { daily: 7d }\noffsite: { object_lock: none }\n",
        "name: x\ntimezone: UTC\nmax_age: 30d\nlocal: { daily: 7d }\noffsite: [5w]\n",
        "name: x\ntimezone: UTC\nmax_age: 30d\nlocal: { daily: 7d, monthly: 2m }\n",
        "name: x\ntimezone: UTC\nmax_age: 99999d\nlocal: { daily: 7d }\n",
    ]

    /// A valid policy, by key, into which a snippet is put.
    static let base: KeyValuePairs<String, String> = [
        "name": "base", "timezone": "UTC", "max_age": "400d", "local": "{ daily: 7d }",
        "offsite": "{ weekly: 5w, object_lock: governance }",
    ]

    static func problems(_ text: String) -> [PolicyProblem] {
        do {
            _ = try PolicyLoader.parse(text, file: "p.yaml")
            return []
        } catch {
            return (error as? PolicyError)?.problems ?? []
        }
    }

    /// The text between backquotes in `fix`.
    static func snippets(_ fix: String) -> [String] {
        fix.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }

    /// The base policy with `key: value` put at the top level or into `offsite`.
    static func basePolicy(with key: String, _ value: String) -> String {
        var top = Array(base)
        if PolicyReader.topLevelKeys.contains(key) {
            top.removeAll { $0.key == key }
            top.append((key, value))
            return top.map { "\($0.key): \($0.value)" }.joined(separator: "\n") + "\n"
        }
        top.removeAll { $0.key == "offsite" }
        var offsite = ["weekly": "5w", "object_lock": "governance"]
        offsite[key] = value
        return top.map { "\($0.key): \($0.value)" }.joined(separator: "\n") + "\noffsite:\n"
            + offsite.sorted { $0.key < $1.key }.map { "  \($0.key): \($0.value)\n" }.joined()
    }

    @Test func everySuggestedFixPastesIntoAValidPolicy() throws {
        var checked = 0
        for text in Self.broken {
            let found = Self.problems(text)
            #expect(!found.isEmpty, "\(text)")
            for problem in found {
                for snippet in Self.snippets(problem.fix) {
                    let node = try #require(try Yams.compose(yaml: snippet, .basic), "\(problem.fix)")
                    #expect(node.mapping != nil, "`\(snippet)` is not `key: value` in: \(problem.fix)")
                    guard let mapping = node.mapping else { continue }
                    #expect(mapping.count == 1, "\(snippet)")
                    let key = try #require(mapping.keys.first?.string)
                    let value = String(snippet[snippet.range(of: ":")!.upperBound...]).trimmingCharacters(in: .whitespaces)
                    let pasted = Self.basePolicy(with: key, value)
                    #expect(Self.problems(pasted).isEmpty, "`\(snippet)` from \"\(problem.fix)\" gives \(Self.problems(pasted))")
                    checked += 1
                }
            }
        }
        #expect(checked >= 6)
    }

    @Test func noFixRemovesARequiredKey() {
        for text in Self.broken {
            for problem in Self.problems(text) {
                for key in ["name", "timezone", "max_age", "local"] {
                    #expect(!problem.fix.contains("remove \(key)") && !problem.fix.contains("or remove `\(key)"), "\(problem.fix)")
                }
            }
        }
        let empty = Self.problems("name: x\ntimezone: UTC\nmax_age: 30d\nlocal: { }\n")
        #expect(empty.map(\.kind) == [.emptyLocation])
        let offsite = Self.problems("name: x\ntimezone: UTC\nmax_age: 30d\nlocal: { daily: 7d }\noffsite: { object_lock: none }\n")
        #expect(offsite.first?.fix.contains("or remove offsite") == true, "\(offsite)")
    }

    /// An abbreviation that is not a zone gets the zone it stands for, not a lookalike name.
    @Test func zoneAbbreviationsSuggestARealZone() {
        for (written, meant) in [("CET", "Europe/Paris"), ("PST", "America/Los_Angeles")] {
            let found = Self.problems("name: x\ntimezone: \(written)\nmax_age: 30d\nlocal: { daily: 7d }\n")
            #expect(found.first?.fix.hasPrefix("did you mean '\(meant)'?") == true, "\(written): \(found)")
        }
    }

    /// The zone is named as the operator wrote it (UTC stays UTC, never GMT).
    @Test func zoneIsNamedAsWritten() throws {
        for zone in ["UTC", "Etc/UTC", "Europe/Amsterdam"] {
            let policy = try PolicyLoader.parse("name: x\ntimezone: \(zone)\nmax_age: 30d\nlocal: { daily: 7d }\n", file: "p.yaml")
            #expect(policy.timeZoneName == zone)
        }
    }
}
