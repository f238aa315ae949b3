import Foundation
import LetheCore

extension ClassLevels {
    /// `differential`, `full`, or `depends_on_base` (a differential when the newest base
    /// candidate is of a class in ``differentialAgainst``, full when it is of one in ``fullAgainst``).
    public var level: String {
        if differentialAgainst.isEmpty { return "full" }
        return fullAgainst.isEmpty ? "differential" : "depends_on_base"
    }

    /// One sentence, as `lethe policy check` prints it: how backups write this class, and why.
    public var summary: String {
        let name = retentionClass.rawValue
        guard !baseClasses.isEmpty else {
            let wanted = ArchiveLevelPlanner.baseClasses(of: retentionClass)
            if wanted.isEmpty { return "\(name) archives are written in full" }
            return "\(name) archives are written in full: no location keeps \(Wording.alternatives(wanted.map(\.rawValue))) copies to be a base"
        }
        let newest = "the newest \(Wording.alternatives(baseClasses.map(\.rawValue))) archive"
        let differential = differentialAgainst, full = fullAgainst
        if full.isEmpty { return "\(name) archives are written as differentials against \(newest)" }
        let why = locations.flatMap { $0.problems(among: full) }.joined(separator: "; ")
        if differential.isEmpty { return "\(name) archives are written in full: \(why)" }
        return "\(name) archives are written as differentials against \(newest) when it is \(Self.article(differential)), "
            + "in full when it is \(Self.article(full)): \(why)"
    }

    /// The lines `lethe policy check` prints for this class: the summary, then one line per location.
    public var lines: [String] {
        [summary] + (baseClasses.isEmpty ? [] : locations.map { "  " + $0.line(for: retentionClass) })
    }

    /// `a monthly`, `a weekly or a monthly`.
    private static func article(_ classes: [RetentionClass]) -> String {
        Wording.alternatives(classes.map { "a \($0.rawValue)" })
    }
}

extension LocationLevels {
    /// What makes an archive of `retentionClass` full here when its base is of one of `classes`.
    func problems(among classes: [RetentionClass]) -> [String] {
        let missing = bases.filter { classes.contains($0.retentionClass) && $0.lifetime == nil }.map(\.retentionClass.rawValue)
        let short = bases.filter { classes.contains($0.retentionClass) && $0.lifetime != nil && !$0.outlives }
        var result: [String] = []
        if !missing.isEmpty { result.append("\(location.rawValue) keeps no \(Wording.alternatives(missing)) copies") }
        for base in short {
            result.append("\(location.rawValue) deletes \(base.retentionClass.rawValue) copies (kept \(base.lifetime!)) before copies written against them (kept \(lifetime))")
        }
        return result
    }

    /// `local keeps weekly copies 5w: monthly copies (6m) outlive them; no yearly copies`.
    func line(for retentionClass: RetentionClass) -> String {
        let outliving = bases.filter(\.outlives).map { "\($0.retentionClass.rawValue) copies (\($0.lifetime!))" }
        let short = bases.filter { $0.lifetime != nil && !$0.outlives }.map { "\($0.retentionClass.rawValue) copies (\($0.lifetime!))" }
        let missing = bases.filter { $0.lifetime == nil }.map(\.retentionClass.rawValue)
        var parts: [String] = []
        if !outliving.isEmpty { parts.append("\(Wording.alternatives(outliving).replacingOccurrences(of: " or ", with: " and ")) outlive them") }
        if !short.isEmpty { parts.append("\(Wording.alternatives(short)) may be deleted before them") }
        if !missing.isEmpty { parts.append("no \(Wording.alternatives(missing)) copies") }
        return "\(location.rawValue) keeps \(retentionClass.rawValue) copies \(lifetime): " + parts.joined(separator: "; ")
    }
}

extension ClassLevels: Encodable {
    enum CodingKeys: String, CodingKey {
        case retentionClass = "class", level, summary, baseClasses = "base_classes"
        case differentialAgainst = "differential_against", fullAgainst = "full_against", locations
    }

    /// `class`, `level`, `summary`, `base_classes`, `differential_against`, `full_against`, `locations`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(retentionClass, forKey: .retentionClass)
        try container.encode(level, forKey: .level)
        try container.encode(summary, forKey: .summary)
        try container.encode(baseClasses, forKey: .baseClasses)
        try container.encode(differentialAgainst, forKey: .differentialAgainst)
        try container.encode(fullAgainst, forKey: .fullAgainst)
        try container.encode(locations, forKey: .locations)
    }
}

extension LocationLevels: Encodable {
    enum CodingKeys: String, CodingKey { case location, lifetime, bases }

    /// `location`, `lifetime` (`5w`), `bases`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(location, forKey: .location)
        try container.encode(lifetime.description, forKey: .lifetime)
        try container.encode(bases, forKey: .bases)
    }
}

extension BaseClassCheck: Encodable {
    enum CodingKeys: String, CodingKey { case retentionClass = "class", lifetime, outlives }

    /// `class`, `lifetime` (null when the location keeps none), `outlives`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(retentionClass, forKey: .retentionClass)
        try container.encode(lifetime?.description, forKey: .lifetime)
        try container.encode(outlives, forKey: .outlives)
    }
}
