import Foundation
import LetheCore
import LetheTar

/// Names of the source root that reach one folder: two links to one folder, a link to (or
/// into) another customer's folder, a bind mount; or a single name that reaches the root
/// itself, a folder holding it, or (a link) a folder inside it that is no customer's (a
/// dot-folder). Every one of them is refused
/// until all but one name is removed (see "Customers are folders, once each" in docs/DESIGN.md).
///
/// Holds customer ids: for the terminal only, never for logs, the catalog or JSON output.
public struct SourceAlias: Sendable {
    /// The names, sorted by bytes.
    public let names: [CustomerID]

    /// The names as an operator reads them: quoted, bytes outside `A-Z a-z 0-9 - . _ ~`
    /// percent-escaped (so a name cannot drive the terminal), comma-separated.
    public var displayNames: String {
        names.map(\.quotedForTerminal).joined(separator: ", ")
    }

    /// One line for standard error: which names alias each other and what to do.
    public var message: String {
        if names.count == 1 {
            return "the source root entry \(displayNames) reaches the source root itself, a folder holding it, or a folder inside it that is no customer's: it was not backed up; remove it"
        }
        return "the source root names \(displayNames) reach the same folder (or one inside the other): none of them was backed up, so that no customer is stored under two keys; remove all but one of these names"
    }
}
