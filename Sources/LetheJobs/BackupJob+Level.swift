import Foundation
import LetheCatalog
import LetheCore
import LethePolicy
import LetheTar

extension BackupJob {
    /// The level of a customer's new archive (``ArchiveLevelPlanner``) and, for a differential,
    /// the base to pack against: its id and names-free index from the catalog (no key needed).
    ///
    /// The candidates are the customer's earlier archives that have a recorded base index, each
    /// with the delete-by of its live copies that no `verify` found wrong (``BaseCandidateSlices``); the new archive's
    /// copies go to the local store, and offsite when the policy keeps the class there and an
    /// offsite store is configured.
    func level(of pseudonym: Pseudonym, plan: ArchivePlan) throws -> (level: ArchiveLevel, base: PackBase?) {
        let retentionClass = plan.set.retentionClass
        guard !ArchiveLevelPlanner.baseClasses(of: retentionClass).isEmpty else {
            return (ArchiveLevelPlanner.level(of: retentionClass, deleteBy: [:], candidates: [], policy: plan.policy), nil)
        }
        var deleteBy: [Location: Date] = [.local: plan.deleteBy]
        if home.offsiteConfigured, let offsite = plan.policy.deleteBy(created: plan.set.created, class: retentionClass, location: .offsite) {
            deleteBy[.offsite] = offsite
        }
        // Live copies with a base index, of the classes a base may have, and the newest one's
        // index (read with the slice).
        let read = try plan.baseCandidates.candidates(of: pseudonym)
        let copies = read.copies.filter { plan.findings[$0.id] == nil }
        var candidates: [ArchiveID: BaseCandidate] = [:]
        for copy in copies {
            candidates[copy.archiveID, default: BaseCandidate(archive: copy.archiveID, set: copy.setID, retentionClass: copy.retentionClass,
                                                              created: copy.created, deleteBy: [:])].deleteBy[copy.location] = copy.deleteBy
        }
        let level = ArchiveLevelPlanner.level(of: retentionClass, deleteBy: deleteBy, candidates: Array(candidates.values),
                                              policy: plan.policy)
        guard case .differential(let base, _) = level,
              let index = try read.index(of: base.archive) ?? home.catalog.baseIndex(base.archive) else { return (level, nil) }
        return (level, PackBase(archive: base.archive.rawValue, index: index))
    }

    /// The names-free index to record with an archive that later archives may be written
    /// against (monthly, yearly, weekly; never a daily), made with its batch's catalog entries
    /// (``publish(_:plan:)``) and recorded in its transaction; nil for a daily, or an archive
    /// packed without a report.
    func baseIndex(of archive: StagedArchive, plan: ArchivePlan) -> [BaseIndexEntry]? {
        guard plan.set.retentionClass != .daily else { return nil }
        return archive.report?.index
    }
}
