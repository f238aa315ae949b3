import Foundation
import LetheCore
import LetheTar

/// What of one customer's folder a backup could not read: the path that failed the customer, or
/// the paths it left out (`--skip-unreadable`), with the customer's id, so that the operator can
/// find them.
///
/// Holds a customer id and paths inside their folder: for the terminal only (standard error),
/// never for logs, the catalog, the ledger or JSON output, which know the customer by pseudonym
/// and the paths only by their count.
public struct UnreadablePaths: Sendable {
    /// Whose folder.
    public let customer: CustomerID
    /// Paths relative to the customer's folder, as bytes (one when the backup failed).
    public let paths: [[UInt8]]
    /// Why the customer was not backed up (the packer's message), or nil when the paths were
    /// skipped and the rest committed.
    public let failure: String?

    /// At most this many paths are shown; the archive's manifest lists them all.
    static let shown = 20

    /// One line for standard error: whose folder, which paths (quoted, bytes outside
    /// `A-Z a-z 0-9 - . _ ~ /` percent-escaped, so a name cannot drive the terminal), and what to do.
    public var message: String {
        let who = "customer \(customer.quotedForTerminal)"
        let quoted = paths.prefix(Self.shown).map { "'" + PathBytes.escape($0) + "'" }
        let more = paths.count > Self.shown ? " and \(paths.count - Self.shown) more" : ""
        if let failure {
            return "\(who): not backed up: at \(quoted.joined(separator: ", ")) in their folder: \(failure)"
        }
        return "\(who): \(Wording.count(paths.count, "unreadable path was", "unreadable paths were")) skipped (--skip-unreadable) "
            + "and listed in the archive's manifest: \(quoted.joined(separator: ", "))\(more); give the backup user read access to include them"
    }
}

extension CustomerID {
    /// The id as an operator reads it on a terminal: quoted, bytes outside
    /// `A-Z a-z 0-9 - . _ ~` percent-escaped. For standard error only, never for logs.
    var quotedForTerminal: String { "'" + PathBytes.escape(bytes) + "'" }
}
