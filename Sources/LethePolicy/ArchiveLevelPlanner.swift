import Foundation
import LetheCore

/// Decides, when an archive is written, whether it is full or a differential, keeping the
/// strict calendar: a base outlives every archive that depends on it, at every location.
///
/// Levels follow the classes. Yearly and monthly archives are full. A weekly is a differential
/// against the customer's newest yearly or monthly; a daily against the newest weekly, monthly
/// or yearly. So a restore reads at most three archives (daily, weekly, monthly).
///
/// Only the newest candidate of the allowed classes is considered. It becomes the base only if
/// it has a live copy at every location the new archive goes to, each with a delete-by not
/// earlier than the new copy's there; otherwise the archive is full, and the reason says which
/// location failed.
public enum ArchiveLevelPlanner {
    /// The classes a base of an archive of `retentionClass` may have; empty for a full class.
    public static func baseClasses(of retentionClass: RetentionClass) -> [RetentionClass] {
        switch retentionClass {
        case .yearly, .monthly: []
        case .weekly: [.monthly, .yearly]
        case .daily: [.weekly, .monthly, .yearly]
        }
    }

    /// The level of a new archive.
    ///
    /// - Parameters:
    ///   - retentionClass: the new archive's set class.
    ///   - deleteBy: the delete-by of each copy the new archive will have, by location.
    ///   - candidates: the customer's earlier archives, any class, any order.
    ///   - policy: the policy, for dates in the reasons (its time zone).
    public static func level(of retentionClass: RetentionClass, deleteBy: [Location: Date], candidates: [BaseCandidate],
                             policy: Policy) -> ArchiveLevel {
        let allowed = baseClasses(of: retentionClass)
        guard !allowed.isEmpty else { return .full(reason: "\(retentionClass.rawValue) archives are always full") }
        let names = Wording.alternatives(allowed.map(\.rawValue))
        guard let newest = candidates.filter({ allowed.contains($0.retentionClass) }).max(by: { $0.created < $1.created }) else {
            return .full(reason: "the customer has no earlier \(names) archive to be a base")
        }
        let base = "the newest \(names) archive (\(newest.retentionClass.rawValue), set \(newest.set))"
        for location in Location.allCases {
            guard let due = deleteBy[location] else { continue }
            guard let baseDue = newest.deleteBy[location] else {
                return .full(reason: "\(base) has no live copy at the \(location.rawValue) store")
            }
            guard baseDue >= due else {
                return .full(reason: "\(base) is deleted from the \(location.rawValue) store by \(policy.dayString(baseDue)), before this archive's \(policy.dayString(due))")
            }
        }
        return .differential(base: newest, reason: "differential against \(base)")
    }
}
