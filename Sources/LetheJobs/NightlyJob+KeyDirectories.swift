import Foundation
import LetheKeys

extension NightlyJob {
    /// The key directories that are missing, cannot be read, or do not hold the current key
    /// (an unmounted mirror, a lost folder, a damaged key file), each logged as a warning
    /// (`keys.directory_unhealthy`: the directory, the problem's code and what to do).
    ///
    /// Old key files are left out: they are an owed rotation, which the backup already tried to
    /// finish and reports itself. Nothing is checked while a shred or rotation holds the "keys"
    /// lock (the directories change under it: it reports its own trouble), nor when the key store
    /// cannot be read at all (the backup failed on that already).
    func unhealthyKeyDirectories() -> [KeyDirectoryStatus] {
        guard let lock = try? home.lock("keys") else {
            home.log.info("keys.directories_not_checked", ["reason": "a shred or key rotation holds the keys lock"])
            return []
        }
        defer { withExtendedLifetime(lock) {} }
        guard let statuses = try? home.keys.directoryStatuses() else { return [] }
        let unhealthy = statuses.compactMap { directory -> (status: KeyDirectoryStatus, problem: KeyDirectoryProblem)? in
            guard let problem = directory.problem else { return nil }
            if case .otherEpochs = problem { return nil }
            return (directory, problem)
        }
        for (directory, problem) in unhealthy {
            home.log.warning("keys.directory_unhealthy", ["directory": directory.path, "problem": problem.code,
                                                          "reason": "\(problem): \(problem.advice)"])
        }
        return unhealthy.map(\.status)
    }
}
