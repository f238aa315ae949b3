import Foundation
import LetheCore
internal import Yams

/// Reads and validates policy files (the format is described on ``Policy``).
///
/// Validation collects every problem it can find before throwing, each with the file, line,
/// what is wrong and how to fix it, so one `lethe policy check` shows them all.
public enum PolicyLoader {
    /// Reads and validates the policy file at `path`.
    ///
    /// - Parameter path: the file; it is also the policy's ``Policy/sourceFile`` and the file
    ///   named in problems, exactly as given.
    /// - Throws: ``PolicyError/unreadable(file:reason:)`` if the file cannot be read,
    ///   ``PolicyError/invalid(_:)`` with every problem found otherwise.
    public static func load(path: String) throws -> Policy {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            // Foundation reports reading a folder only as "NSCocoaErrorDomain error 256".
            throw PolicyError.unreadable(file: path, reason: "it is a folder, not a policy file")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
            throw PolicyError.unreadable(file: path, reason: reason)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PolicyError.unreadable(file: path, reason: "not UTF-8 text")
        }
        return try parse(text, file: path)
    }

    /// Validates policy text; `file` names it in problems and becomes ``Policy/sourceFile``.
    ///
    /// - Throws: ``PolicyError/invalid(_:)`` with every problem found.
    public static func parse(_ text: String, file: String) throws -> Policy {
        var reader = PolicyReader(file: file)
        let policy = reader.read(text)
        guard reader.problems.isEmpty, let policy else {
            let sorted = reader.problems.enumerated().sorted {
                ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset)
            }.map(\.element)
            throw PolicyError.invalid(sorted)
        }
        return policy
    }
}

/// The validating walk over a composed YAML tree; collects problems instead of stopping.
struct PolicyReader: YAMLProblemReporting {
    static let topLevelKeys = ["name", "timezone", "max_age", "local", "offsite"]
    static let locationKeys = RetentionClass.allCases.map(\.rawValue) + ["object_lock"]
    static let objectLockValues = ["governance", "compliance", "none"]
    static let durationExample = "write e.g. 7d, 5w, 6m, 1y (a positive whole number, then d, w, m or y)"
    static let knownZones: Set<String> = Set(TimeZone.knownTimeZoneIdentifiers)

    let file: String
    var problems: [PolicyProblem] = []

    /// How YAML problems name the document.
    let document = YAMLDocumentKind(noun: "policy", example: "policies/example.yaml")

    init(file: String) { self.file = file }

    mutating func read(_ text: String) -> Policy? {
        let (root, valid) = compose(text)
        guard valid else { return nil }
        guard let root else {
            problem(.missingKey, 1, "the file is empty",
                    "write name, timezone, max_age and local; see policies/example.yaml")
            return nil
        }
        guard let mapping = root.mapping else {
            problem(.wrongShape, line(root), "the policy is not a mapping of keys to values",
                    "write one line per key (name, timezone, max_age, local, offsite), e.g. `name: default`; see policies/example.yaml")
            return nil
        }

        var name: String?
        var timeZone: (zone: TimeZone, name: String)?
        var maxAge: CalendarDuration?
        var maxAgeLine: Int?
        var tiers: [Location: Tier] = [:]
        var tierClassLines: [Location: [RetentionClass: Int]] = [:]
        var seen: Set<String> = []

        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string, Self.topLevelKeys.contains(key) else {
                unknownKey(keyNode, valid: Self.topLevelKeys, where: "at the top level")
                continue
            }
            seen.insert(key)
            switch key {
            case "name":
                name = readName(value)
            case "timezone":
                timeZone = readTimeZone(value)
            case "max_age":
                maxAge = readDuration(value, what: "max_age")
                maxAgeLine = line(value)
            case "local", "offsite":
                let location = Location(rawValue: key)!
                if let (tier, lines) = readTier(value, location: location, keyLine: line(keyNode)) {
                    tiers[location] = tier
                    tierClassLines[location] = lines
                }
            default:
                break
            }
        }

        let rootLine = line(root)
        // What to add for each required key: a line to paste, then what it means.
        let examples = [
            "name": ("name: default", ""),
            "timezone": ("timezone: UTC", " (an IANA time zone name)"),
            "max_age": ("max_age: 190d", " (the hard cap no copy may outlive)"),
            "local": ("local: { daily: 7d, weekly: 5w, monthly: 6m }", ""),
        ]
        for key in ["name", "timezone", "max_age", "local"] where !seen.contains(key) {
            let (line, meaning) = examples[key]!
            problem(.missingKey, rootLine, "the policy has no '\(key)'", "add `\(line)`\(meaning)")
        }

        if let maxAge {
            for location in Location.allCases {
                guard let tier = tiers[location] else { continue }
                for retentionClass in RetentionClass.allCases {
                    guard let lifetime = tier.lifetimes[retentionClass], lifetime.mayOutlast(maxAge) else { continue }
                    problem(.outlivesMaxAge, tierClassLines[location]?[retentionClass],
                            "\(location.rawValue) keeps \(retentionClass.rawValue) for \(lifetime)"
                                + Self.span(lifetime) + ", longer than max_age \(maxAge)" + Self.span(maxAge, shortest: true)
                                + (maxAgeLine.map { " (line \($0))" } ?? ""),
                            "shorten \(location.rawValue).\(retentionClass.rawValue) or raise max_age")
                }
            }
        }

        guard problems.isEmpty, let name, let timeZone, let maxAge, tiers[.local] != nil else { return nil }
        return Policy(name: name, timeZone: timeZone.zone, timeZoneName: timeZone.name, maxAge: maxAge, tiers: tiers, sourceFile: file)
    }

    static func span(_ duration: CalendarDuration, shortest: Bool = false) -> String {
        guard duration.unit.isCalendarMonthBased else { return "" }
        return shortest ? " (as short as \(duration.minimumDays) days)" : " (up to \(duration.maximumDays) days)"
    }

    mutating func readName(_ node: Node) -> String? {
        guard let text = node.scalar?.string, !text.trimmingCharacters(in: .whitespaces).isEmpty,
              !text.contains(where: \.isNewline) else {
            problem(.wrongShape, line(node), "the policy's name is empty or not a single line of text",
                    "write e.g. `name: default`")
            return nil
        }
        return text
    }

    /// Reads `timezone`: the zone and its name as written.
    mutating func readTimeZone(_ node: Node) -> (zone: TimeZone, name: String)? {
        guard let text = node.scalar?.string, !text.isEmpty else {
            problem(.unknownTimeZone, line(node), "timezone has no value",
                    "write an IANA time zone name, e.g. `timezone: Europe/Amsterdam` or `timezone: UTC`")
            return nil
        }
        let accepted = text == "UTC" || text.hasPrefix("Etc/") || Self.knownZones.contains(text)  // the list costs ICU work
        guard accepted, let zone = TimeZone(identifier: text) else {
            // An abbreviation (CET, PST) stands for a zone, not for the name it looks like.
            let meant = TimeZone.abbreviationDictionary[text.uppercased()].flatMap { Self.knownZones.contains($0) || $0 == "UTC" ? $0 : nil }
            let suggestion = (meant ?? Suggestion.nearest(to: text, in: Array(Self.knownZones).sorted() + ["UTC"]))
                .map { "did you mean '\($0)'? " } ?? ""
            problem(.unknownTimeZone, line(node), "'\(text)' is not a known IANA time zone",
                    "\(suggestion)write a name like Europe/Amsterdam, America/New_York or UTC")
            return nil
        }
        return (zone, text)
    }

    mutating func readDuration(_ node: Node, what: String) -> CalendarDuration? {
        guard let text = node.scalar?.string else {
            problem(.badDuration, line(node), "\(what) is not a duration but a \(node.mapping != nil ? "mapping" : "list")",
                    Self.durationExample)
            return nil
        }
        if text.isEmpty {
            problem(.badDuration, line(node), "\(what) has no duration", Self.durationExample)
            return nil
        }
        if let duration = CalendarDuration(parsing: text) { return duration }
        if let unit = text.last.flatMap({ CalendarDuration.Unit(rawValue: String($0)) }),
           let value = Int(text.dropLast()), value > unit.maximumValue {
            problem(.badDuration, line(node), "\(what): '\(text)' is longer than a century",
                    "write at most \(unit.maximumValue)\(unit.rawValue)")
            return nil
        }
        problem(.badDuration, line(node), "\(what): '\(text)' is not a duration", Self.durationExample)
        return nil
    }

    /// Reads one location; returns the tier and the line of each class, or nil if unusable.
    mutating func readTier(_ node: Node, location: Location, keyLine: Int?) -> (Tier, [RetentionClass: Int])? {
        guard let mapping = node.mapping else {
            problem(.wrongShape, line(node), "\(location.rawValue) is not a mapping of classes to durations",
                    "write e.g. `\(location.rawValue): { weekly: 5w, monthly: 6m\(location == .offsite ? ", object_lock: governance" : "") }`")
            return nil
        }
        var lifetimes: [RetentionClass: CalendarDuration] = [:]
        var lines: [RetentionClass: Int] = [:]
        var objectLock: ObjectLockMode?
        var sawObjectLock = false
        var usable = true
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string, Self.locationKeys.contains(key) else {
                unknownKey(keyNode, valid: Self.locationKeys, where: "in \(location.rawValue)")
                usable = false
                continue
            }
            if let retentionClass = RetentionClass(rawValue: key) {
                if let duration = readDuration(value, what: "\(location.rawValue).\(key)") {
                    lifetimes[retentionClass] = duration
                    lines[retentionClass] = line(value)
                } else {
                    usable = false
                }
                continue
            }
            // object_lock
            sawObjectLock = true
            if location == .local {
                problem(.badObjectLock, line(keyNode), "local copies cannot be object-locked",
                        "remove object_lock from local; it belongs to offsite")
                usable = false
                continue
            }
            let text = value.scalar?.string ?? ""
            if text == "none" {
                objectLock = nil
            } else if let mode = ObjectLockMode(rawValue: text) {
                objectLock = mode
            } else {
                let suggestion = Suggestion.nearest(to: text, in: Self.objectLockValues).map { "did you mean '\($0)'? " } ?? ""
                problem(.badObjectLock, line(value), "'\(text)' is not an object lock mode",
                        "\(suggestion)write governance, compliance or none")
                usable = false
            }
        }
        if location == .offsite && !sawObjectLock {
            problem(.badObjectLock, keyLine, "offsite has no object_lock",
                    "add `object_lock: governance` to offsite (or compliance, or none: none must be written out)")
            usable = false
        }
        if mapping.count == 0 || (lifetimes.isEmpty && usable) {
            // local is required: only offsite may be removed.
            let example = location == .local ? "local: { daily: 7d }" : "offsite: { weekly: 5w, object_lock: governance }"
            problem(.emptyLocation, keyLine, "\(location.rawValue) keeps no class",
                    "add at least one of daily, weekly, monthly, yearly with a duration, e.g. `\(example)`"
                        + (location == .local ? "" : ", or remove offsite"))
            usable = false
        }
        return usable ? (Tier(lifetimes: lifetimes, objectLock: objectLock), lines) : nil
    }
}
