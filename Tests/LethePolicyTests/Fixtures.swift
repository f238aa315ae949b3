import Foundation
import LetheCore
@testable import LethePolicy

/// Small helpers shared by the policy tests.
enum Fixtures {
    /// The package root, found from this file's path (Tests/LethePolicyTests/Fixtures.swift).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// An ISO 8601 instant ("2026-11-29T02:10:00Z", "2026-03-30T00:30:00+02:00").
    static func at(_ text: String) -> Date {
        guard let date = Timestamp.parse(text) else { fatalError("bad test date \(text)") }
        return date
    }

    /// Parses policy text that must be valid.
    static func policy(_ text: String, file: String = "test.yaml") -> Policy {
        do {
            return try PolicyLoader.parse(text, file: file)
        } catch {
            fatalError("test policy is invalid: \(error)")
        }
    }

    /// Keeps every class locally, in UTC.
    static let allClassesUTC = policy("""
        name: all
        timezone: UTC
        max_age: 400d
        local: { daily: 7d, weekly: 5w, monthly: 6m, yearly: 1y }
        """)

    /// Keeps every class locally, in Europe/Amsterdam.
    static let allClassesAmsterdam = policy("""
        name: all-ams
        timezone: Europe/Amsterdam
        max_age: 400d
        local: { daily: 7d, weekly: 5w, monthly: 6m, yearly: 1y }
        """)

    /// Keeps only dailies and weeklies, in UTC.
    static let weeklyOnlyUTC = policy("""
        name: weekly
        timezone: UTC
        max_age: 60d
        local: { daily: 7d, weekly: 5w }
        """)

    /// policies/default.yaml, read from the package, named as the CLI would name it.
    static var defaultPolicy: Policy {
        let url = packageRoot.appendingPathComponent("policies/default.yaml")
        let text = try! String(contentsOf: url, encoding: .utf8)
        return policy(text, file: "policies/default.yaml")
    }

    /// policies/example.yaml, read from the package.
    static var examplePolicy: Policy {
        let url = packageRoot.appendingPathComponent("policies/example.yaml")
        let text = try! String(contentsOf: url, encoding: .utf8)
        return policy(text, file: "policies/example.yaml")
    }

    /// The local wall-clock parts of `date` in `zone`.
    static func local(_ date: Date, _ zone: TimeZone) -> DateComponents {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
    }
}
