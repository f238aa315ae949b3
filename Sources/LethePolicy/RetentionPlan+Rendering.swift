import Foundation
import LetheCore

extension RetentionPlan {
    /// The plan for people, as `lethe expire --dry-run` prints it: a header, one line per
    /// decision in the plan's order, and the expiry keys to destroy. Stable for golden files.
    ///
    /// A decision line: action, location, class, set, pseudonym, copy id, then the reasons
    /// joined by "; ".
    public var text: String {
        var lines: [String] = []
        lines.append("retention plan at \(Timestamp.iso(now)) under policy '\(policyName)' (\(policyFile), \(timeZone)): "
                     + "\(Wording.count(decisions.count, "copy", "copies")): \(count(.keep)) keep, \(count(.delete)) delete, "
                     + "\(count(.cancelPending)) cancel-pending, \(count(.hold)) hold")
        for decision in decisions {
            let columns = [
                decision.action.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0),
                decision.location.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0),
                decision.retentionClass.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0),
                decision.setID.rawValue,
                decision.pseudonym.rawValue,
                "#\(decision.copyID)",
            ]
            lines.append(columns.joined(separator: " ") + "  " + decision.reasons.map(\.text).joined(separator: "; "))
        }
        let keys = expiredKeyDates.map(Timestamp.iso).joined(separator: ", ")
        lines.append("expiry keys to destroy (delete-by passed): " + (keys.isEmpty ? "none" : keys))
        return lines.joined(separator: "\n") + "\n"
    }

    /// The plan for tools, as `lethe expire --dry-run --json` prints it: ``LetheJSON``
    /// (pretty-printed, snake_case keys sorted, dates as ISO 8601 UTC). Stable for golden files.
    public func json() -> String {
        // Encoding strings, numbers and arrays cannot fail.
        try! LetheJSON.text(self) + "\n"
    }
}

extension RetentionPlan: Codable {
    enum CodingKeys: String, CodingKey {
        case policy, policyFile = "policy_file", timeZone = "time_zone", now, decisions
        case expiredKeyDates = "expired_key_dates", summary
    }

    struct Summary: Codable, Equatable {
        var keep: Int, delete: Int, cancelPending: Int, hold: Int
        enum CodingKeys: String, CodingKey { case keep, delete, cancelPending = "cancel_pending", hold }
    }

    /// Encodes dates as ISO 8601 UTC strings and adds a summary of counts.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(policyName, forKey: .policy)
        try container.encode(policyFile, forKey: .policyFile)
        try container.encode(timeZone, forKey: .timeZone)
        try container.encode(Timestamp.iso(now), forKey: .now)
        try container.encode(decisions, forKey: .decisions)
        try container.encode(expiredKeyDates.map(Timestamp.iso), forKey: .expiredKeyDates)
        try container.encode(Summary(keep: count(.keep), delete: count(.delete), cancelPending: count(.cancelPending),
                                     hold: count(.hold)),
                             forKey: .summary)
    }

    /// Decodes what ``encode(to:)`` wrote (the summary is recomputed, not trusted).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(policyName: try container.decode(String.self, forKey: .policy),
                  policyFile: try container.decode(String.self, forKey: .policyFile),
                  timeZone: try container.decode(String.self, forKey: .timeZone),
                  now: try decodeDate(container, .now),
                  decisions: try container.decode([Decision].self, forKey: .decisions),
                  expiredKeyDates: try container.decode([String].self, forKey: .expiredKeyDates).map {
                      guard let date = Timestamp.parse($0) else {
                          throw DecodingError.dataCorruptedError(forKey: .expiredKeyDates, in: container,
                                                                 debugDescription: "'\($0)' is not an ISO 8601 time")
                      }
                      return date
                  })
    }
}

extension RetentionPlan.Decision: Codable {
    enum CodingKeys: String, CodingKey {
        case copyID = "id", action, location, retentionClass = "class", pseudonym, setID = "set"
        case objectKey = "object_key", created, deleteBy = "delete_by", state, reasons, deleteAfter = "delete_after"
    }

    /// Encodes ids and keys as plain strings and dates as ISO 8601 UTC; `delete_after` only
    /// when the copy waits for others.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(copyID, forKey: .copyID)
        try container.encode(action, forKey: .action)
        try container.encode(location, forKey: .location)
        try container.encode(retentionClass, forKey: .retentionClass)
        try container.encode(pseudonym.rawValue, forKey: .pseudonym)
        try container.encode(setID.rawValue, forKey: .setID)
        try container.encode(objectKey.rawValue, forKey: .objectKey)
        try container.encode(Timestamp.iso(created), forKey: .created)
        try container.encode(Timestamp.iso(deleteBy), forKey: .deleteBy)
        try container.encode(state, forKey: .state)
        try container.encode(reasons, forKey: .reasons)
        if !deleteAfter.isEmpty { try container.encode(deleteAfter, forKey: .deleteAfter) }
    }

    /// Decodes what ``encode(to:)`` wrote.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let keyText = try container.decode(String.self, forKey: .objectKey)
        guard let objectKey = ObjectKey(keyText) else {
            throw DecodingError.dataCorruptedError(forKey: .objectKey, in: container,
                                                   debugDescription: "'\(keyText)' is not a valid object key")
        }
        self.init(copyID: try container.decode(Int64.self, forKey: .copyID),
                  action: try container.decode(Action.self, forKey: .action),
                  location: try container.decode(Location.self, forKey: .location),
                  retentionClass: try container.decode(RetentionClass.self, forKey: .retentionClass),
                  pseudonym: Pseudonym(try container.decode(String.self, forKey: .pseudonym)),
                  setID: SetID(try container.decode(String.self, forKey: .setID)),
                  objectKey: objectKey,
                  created: try decodeDate(container, .created),
                  deleteBy: try decodeDate(container, .deleteBy),
                  state: try container.decode(CopyState.self, forKey: .state),
                  reasons: try container.decode([RetentionPlan.Reason].self, forKey: .reasons))
        deleteAfter = try container.decodeIfPresent([Int64].self, forKey: .deleteAfter) ?? []
    }
}

private func decodeDate<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key) throws -> Date {
    let text = try container.decode(String.self, forKey: key)
    guard let date = Timestamp.parse(text) else {
        throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "'\(text)' is not an ISO 8601 time")
    }
    return date
}
