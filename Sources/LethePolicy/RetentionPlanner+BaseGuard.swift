import Foundation
import LetheCore

/// The base guard (invariant 15: a base outlives its dependants), as the planner applies it.
///
/// A copy to delete that is the base of a copy at the same location still stored or to be
/// stored (live, pending, overdue) is held (``RetentionPlan/Decision/Action/hold``) when that
/// dependant is kept or held itself; when every such dependant is due in the same run, the copy
/// is deleted after them (``RetentionPlan/Decision/deleteAfter``). Delete-by dates as Lethe
/// writes them never hold anything (a base's is never earlier than its dependants'); a catalog
/// that says otherwise (damage, a hand edit) does.
struct BaseGuard {
    /// A base archive at one location.
    struct Key: Hashable {
        let archive: ArchiveID
        let location: Location
    }

    /// Decisions (by index) of the copies that are differentials and still need their base,
    /// with that base at their location.
    private var needing: [(index: Int, base: Key)] = []
    /// Decisions (by index) to delete, with their archive.
    private var due: [(index: Int, archive: ArchiveID)] = []

    /// The states in which a dependant still needs its base: stored, or to be stored.
    static let dependantStates: Set<CopyState> = [.live, .pending, .overdue]

    /// Notes the decision at `index`, just made for `copy`.
    mutating func note(_ copy: CopyRecord, index: Int, action: RetentionPlan.Decision.Action) {
        if let base = copy.baseArchiveID, Self.dependantStates.contains(copy.state) {
            needing.append((index, Key(archive: base, location: copy.location)))
        }
        if action == .delete { due.append((index, copy.archiveID)) }
    }

    /// Holds the due bases that a kept (or held) dependant still needs, and orders the others
    /// after their due dependants; adds the reasons.
    func apply(to decisions: inout [RetentionPlan.Decision], context: inout PlanningContext) {
        guard !due.isEmpty, !needing.isEmpty else { return }
        // Only the dependants of copies due in this run (a few a night) are gathered.
        let dueKeys = Set(due.map { Key(archive: $0.archive, location: decisions[$0.index].location) })
        var dependants: [Key: [Int]] = [:]
        for (index, base) in needing where dueKeys.contains(base) { dependants[base, default: []].append(index) }
        guard !dependants.isEmpty else { return }
        let guarded = due.compactMap { entry in
            dependants[Key(archive: entry.archive, location: decisions[entry.index].location)].map { (entry.index, $0) }
        }
        guard !guarded.isEmpty else { return }
        // Holds spread from a kept dependant to its base, then to that base's base.
        var holder: [Int: Int] = [:]
        var changed = true
        while changed {
            changed = false
            for (index, mine) in guarded where holder[index] == nil {
                if let blocking = mine.first(where: { decisions[$0].action == .keep || holder[$0] != nil }) {
                    holder[index] = blocking
                    changed = true
                }
            }
        }
        for (index, mine) in guarded {
            if let blocking = holder[index] {
                decisions[index].action = .hold
                decisions[index].reasons.append(heldReason(by: decisions[blocking], held: holder[blocking] != nil,
                                                           others: mine.count - 1, context: &context))
            } else {
                decisions[index].deleteAfter = mine.map { decisions[$0].copyID }.sorted()
                let names = decisions[index].deleteAfter.map { "#\($0)" }.joined(separator: ", ")
                decisions[index].reasons.append(.init(
                    rule: .afterDependants,
                    text: "deleted after \(names): differentials against it at \(decisions[index].location.rawValue), due in this run too"))
            }
        }
    }

    /// "held past its delete-by: the weekly copy #2 (set …) at local is a differential against
    /// it and is kept until 2026-12-07; …".
    private func heldReason(by dependant: RetentionPlan.Decision, held: Bool, others: Int,
                            context: inout PlanningContext) -> RetentionPlan.Reason {
        let fate = held ? "is held too" : "is kept until \(context.day(dependant.deleteBy))"
        let more = others > 0 ? " (and \(Wording.count(others, "other copy", "other copies")))" : ""
        return .init(rule: .heldForDependant,
                     text: "held past its delete-by: the \(dependant.retentionClass.rawValue) copy #\(dependant.copyID) "
                         + "(set \(dependant.setID)) at \(dependant.location.rawValue) is a differential against it and \(fate)\(more); "
                         + "deleted once no copy there depends on it (a base outlives its dependants; the catalog's dates say otherwise: damaged or edited)")
    }
}
