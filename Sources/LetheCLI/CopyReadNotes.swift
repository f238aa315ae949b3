import Foundation
import LetheCore

/// What a restore or an export says on standard error about the copy it read, whatever the
/// output format: that it fell back to the offsite copy and why, and which paths the backup
/// left out because they could not be read (from the archive's manifest).
enum CopyReadNotes {
    /// At most this many skipped paths are named; the count is always given.
    static let shownPaths = 20

    /// Prints the notes, if any.
    ///
    /// - Parameters:
    ///   - fallback: why the offsite copy was read instead of the local one, if it was.
    ///   - location: the location read.
    ///   - unreadable: the paths the archive's manifest lists as skipped at backup (escaped).
    ///   - what: what the output is called ("this restore", "this export").
    static func print(fallback: String?, location: Location, unreadable: [String], what: String) {
        var lines: [String] = []
        if let fallback {
            lines.append("\(fallback): read the \(location.rawValue) copy of the same archive instead, which authenticated")
        }
        if !unreadable.isEmpty {
            let more = unreadable.count > shownPaths ? " and \(unreadable.count - shownPaths) more" : ""
            lines.append("\(Wording.count(unreadable.count, "unreadable path was", "unreadable paths were")) skipped at backup: "
                + unreadable.prefix(shownPaths).joined(separator: ", ") + more + "; \(unreadable.count == 1 ? "it is" : "they are") not in \(what)")
        }
        for line in lines { FileHandle.standardError.write(Data("lethe: \(line)\n".utf8)) }
    }
}
