import LetheCore

/// Everything that can go wrong while packing, unpacking or exporting a customer archive.
///
/// Messages describe the entry by its kind (regular file, directory, symbolic link…), never by
/// the customer it belongs to. Paths inside the tree are kept out of `description`, which goes
/// to logs; the few cases that carry a path keep it as raw bytes for the caller to show or drop.
public enum TarError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Why an entry path was refused.
    public enum PathProblem: String, Sendable, Equatable {
        /// The path is empty.
        case empty = "is empty"
        /// The path starts with `/`.
        case absolute = "is absolute"
        /// The path has a `..` component.
        case dotDot = "has a '..' component"
        /// The path has an empty or `.` component (`a//b`, `a/./b`), or a trailing `/` on a non-directory.
        case irregular = "has an empty or '.' component"
        /// The path is not under `data/` (and is not the final manifest).
        case outsideData = "is not under 'data/'"
        /// A `rows/` entry that is not `rows/tables.json` or a table's next piece, in order.
        case rowsEntry = "is under 'rows/' but is not rows/tables.json or the next rows/<table>/<NNNNNN>.csv file"
        /// The path is too long for this system.
        case tooLong = "is longer than this system allows"
    }

    /// An entry path is unsafe or malformed; `kind` is the entry kind.
    case unsafePath(kind: String, problem: PathProblem)
    /// The entry type is not one of regular file, directory, symbolic link (hard links,
    /// devices, FIFOs and sockets are refused).
    case unsupportedEntry(kind: String)
    /// Two entries have the same path, or an entry replaces a folder created for earlier entries.
    case duplicatePath(kind: String)
    /// A symbolic link's target is absolute or resolves outside the restored folder.
    case symlinkEscapes
    /// An entry's path goes through a symbolic link restored earlier.
    case writesThroughSymlink(kind: String)
    /// The archive holds no `lethe-manifest.json` as its final entry.
    case manifestMissing
    /// The manifest cannot be read, or what was extracted differs from it.
    case manifestMismatch(String)
    /// A file or folder of the tree being packed cannot be read; `path` is relative to the
    /// packed folder, as bytes, for the caller to show or not.
    case unreadable(String, path: [UInt8])
    /// A regular file shrank while it was being packed; `path` as for `unreadable`.
    case fileChanged(path: [UInt8])
    /// The disk being written (a restore's target, an export's file) is full or over quota.
    case noSpace
    /// libarchive reported an error.
    case libarchive(String)
    /// The zstd compressor (libzstd, used directly) reported an error.
    case compressor(String)

    /// What happened and what to do, without customer ids or entry paths.
    public var description: String {
        switch self {
        case let .unsafePath(kind, problem):
            return "Refused an archive entry (\(kind)) whose path \(problem.rawValue). The archive was not written by Lethe or was altered; nothing outside the staging folder was touched. Do not restore it."
        case let .unsupportedEntry(kind):
            return "Refused an archive entry of kind \(kind): only regular files, directories and symbolic links are restored. The archive was not written by Lethe or was altered; do not restore it."
        case let .duplicatePath(kind):
            return "Refused an archive entry (\(kind)) whose path was already restored. The archive was not written by Lethe or was altered; do not restore it."
        case .symlinkEscapes:
            return "Refused a symbolic link whose target is absolute or points outside the restored folder. The archive was not written by Lethe or was altered; do not restore it."
        case let .writesThroughSymlink(kind):
            return "Refused an archive entry (\(kind)) whose path goes through a symbolic link. The archive was not written by Lethe or was altered; do not restore it."
        case .manifestMissing:
            return "The archive ends without its manifest (lethe-manifest.json), so its completeness cannot be checked. Treat the archive as damaged: restore from another copy or set."
        case let .manifestMismatch(detail):
            return "The restored entries differ from the archive's manifest: \(detail). Treat the archive as damaged: restore from another copy or set."
        case let .unreadable(what, _):
            return "Cannot read \(what) of the folder being packed. Fix its permissions (the backup user needs read access) and run the backup again, or run it with --skip-unreadable to back up the rest and list what could not be read in the archive (the path is shown on the terminal)."
        case .fileChanged:
            return "A regular file shrank while it was being packed. Run the backup again when the folder is quiet (the path is shown on the terminal)."
        case .noSpace:
            return "The disk being written is full (or its quota is reached). Free space, or restore or export to another disk; nothing was kept of this attempt."
        case let .libarchive(message):
            return "libarchive failed: \(message). If this repeats, check the archive copy and the libarchive installation."
        case let .compressor(message):
            return "The zstd compressor failed: \(message). If this repeats, check the zstd library (libzstd.so.1) and free memory."
        }
    }
}

extension TarError: ClassifiedError {
    /// The class of each case: a refused entry or manifest is an integrity failure; a tree that
    /// cannot be read, a full disk or libarchive itself failing are not.
    public var failureClass: FailureClass {
        switch self {
        case .unreadable, .fileChanged, .noSpace, .libarchive, .compressor: return .failed
        case .unsafePath, .unsupportedEntry, .duplicatePath, .symlinkEscapes, .writesThroughSymlink, .manifestMissing,
             .manifestMismatch:
            return .integrity
        }
    }
}
