import LetheCore

/// Why a pack left entries out. Each reason becomes one warning of `PackReport`: how many were
/// skipped (in words), why, and how to include them; never a name, so warnings can go to logs.
enum PackSkip: Hashable {
    /// A device, FIFO or socket (its kind as `LibArchive.kindName` names it).
    case kind(String)
    /// A symbolic link whose target is an absolute path.
    case absoluteLink
    /// A symbolic link whose relative target leads outside the customer's folder.
    case escapingLink
    /// A file or folder that could not be read (packed with `skipUnreadable`).
    case unreadable

    /// The warning for `count` entries skipped for this reason.
    func warning(count: Int) -> String {
        let one = count == 1
        switch self {
        case .kind(let kind):
            return "\(Wording.count(count, kind, kind + "s")) skipped: only regular files, directories and symbolic links are backed up; such entries cannot be included"
        case .absoluteLink:
            return "\(Wording.count(count, "symbolic link", "symbolic links")) skipped: \(one ? "its target is" : "their targets are") absolute, "
                + "so a restore into another folder would point outside it; to include \(one ? "it" : "them"), "
                + "make \(one ? "it" : "each") a relative link to a path inside the customer's folder"
        case .escapingLink:
            return "\(Wording.count(count, "symbolic link", "symbolic links")) skipped: \(one ? "its target leads" : "their targets lead") outside the customer's folder; "
                + "to include \(one ? "it" : "them"), move what \(one ? "it points" : "they point") to into the folder and make \(one ? "it" : "each") a relative link to it"
        case .unreadable:
            return "\(Wording.count(count, "unreadable path", "unreadable paths")) skipped (--skip-unreadable): "
                + "\(one ? "it is" : "they are") listed in the archive's manifest and shown on the terminal; give the backup user read access to include \(one ? "it" : "them")"
        }
    }
}
