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
    /// with the delete-by of its live copies that no `verify` found wrong; the new archive's
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
        let copies = try home.catalog.copies(pseudonym: pseudonym, states: [.live])
            .filter { plan.findings[$0.id] == nil }
        let indexed = try home.catalog.indexedArchives(among: copies.map(\.archiveID).distinct())
        var candidates: [ArchiveID: BaseCandidate] = [:]
        for copy in copies where indexed.contains(copy.archiveID) {
            candidates[copy.archiveID, default: BaseCandidate(archive: copy.archiveID, set: copy.setID, retentionClass: copy.retentionClass,
                                                              created: copy.created, deleteBy: [:])].deleteBy[copy.location] = copy.deleteBy
        }
        let level = ArchiveLevelPlanner.level(of: retentionClass, deleteBy: deleteBy, candidates: Array(candidates.values),
                                              policy: plan.policy)
        guard case .differential(let base, _) = level, let index = try home.catalog.baseIndex(base.archive) else { return (level, nil) }
        return (level, PackBase(archive: base.archive.rawValue, index: index))
    }

    /// Records the names-free index of an archive that later archives may be written against
    /// (monthly, yearly, weekly; never a daily), after its copy was recorded. A failure is
    /// logged, not fatal: later archives are then full.
    func recordBaseIndex(_ archive: StagedArchive, plan: ArchivePlan) {
        guard plan.set.retentionClass != .daily, let report = archive.report else { return }
        do {
            try home.catalog.recordBaseIndex(archive.archiveID, entries: report.index)
        } catch {
            home.log.warning("backup.base_index.failed", ["pseudonym": archive.pseudonym.rawValue, "error": "\(error)"])
        }
    }
}
