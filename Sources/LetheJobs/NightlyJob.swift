import Foundation
import LetheCore
import LetheKeys

/// What a nightly run did: the backup's outcome or error, and the expire run's.
///
/// Encodes as `{"backup": …, "expire": …}` (what `nightly --json` prints); the errors are not
/// encoded, the command line reports them.
public struct NightlyOutcome: Encodable, Sendable {
    /// The backup's outcome, nil if it failed.
    public var backup: BackupOutcome?
    /// The expire run's outcome, nil if it failed.
    public var expire: ExpireOutcome?
    /// Why the backup failed, if it did.
    public var backupError: (any Error)?
    /// Why the expire run failed, if it did.
    public var expireError: (any Error)?
    /// Key directories found missing, unreadable or without the current key after both parts
    /// (`NightlyJob.unhealthyKeyDirectories()`); not encoded: the command line names them.
    public var unhealthyKeyDirectories: [KeyDirectoryStatus] = []

    /// The error the run fails with: the backup's, else the expire run's; nil if both ran.
    public var error: (any Error)? { backupError ?? expireError }

    /// The expire run's error when the backup failed too: the run fails with the backup's, so
    /// this one is only shown.
    public var hiddenError: (any Error)? { backupError == nil ? nil : expireError }

    /// True when the expire run left copies it could not delete yet (a partial run).
    public var expirePartial: Bool { expire?.state == .partial }

    enum CodingKeys: String, CodingKey { case backup, expire }
}

/// The nightly job: back up every customer (finishing an interrupted shred first), then expire,
/// even if the backup failed: copies must go on time whether or not new ones were written; then
/// check the key directories, so a mirror that went away does not go unnoticed.
public struct NightlyJob: Sendable {
    let home: Home

    /// The nightly job of `home`.
    public init(home: Home) { self.home = home }

    /// Backs up, then expires; neither part's failure stops the other. Then checks the key
    /// directories (`unhealthyKeyDirectories()`).
    ///
    /// - Parameters:
    ///   - skipUnreadable: true to leave out files and folders that cannot be read
    ///     (`BackupJob.skipUnreadable`) whatever the home's `skip_unreadable` setting says.
    ///   - progress: where the backup shows its progress, if anywhere.
    /// - Returns: both outcomes, the error of each part that failed, and the unhealthy key directories.
    public func run(skipUnreadable: Bool = false, progress: Progress? = nil) -> NightlyOutcome {
        var outcome = NightlyOutcome()
        do {
            var backup = BackupJob(home: home)
            if skipUnreadable { backup.skipUnreadable = true }
            outcome.backup = try backup.run(progress: progress)
        } catch {
            outcome.backupError = error
        }
        do {
            outcome.expire = try ExpireJob(home: home).run()
        } catch {
            outcome.expireError = error
        }
        outcome.unhealthyKeyDirectories = unhealthyKeyDirectories()
        return outcome
    }
}
