import Foundation
import LetheCore

/// What is wrong with one key directory, with what to do about it: `keys status` names it per
/// directory, and a key-encryption key that no directory yields names it for every one.
///
/// A folder that is not there, one that cannot be read and a key that is not this home's call
/// for different fixes (mount it, fix its permissions, replace the key), so they are told apart.
public enum KeyDirectoryProblem: Sendable, Equatable, Encodable, CustomStringConvertible {
    /// The folder does not exist (a disk or share that is not mounted, a deleted folder).
    case missing
    /// The folder is there but cannot be listed: the system's reason (permissions, not a folder).
    case unreadable(String)
    /// The folder can be read but holds no key file of the current epoch (an empty mount point
    /// looks the same).
    case noCurrentKey(epoch: Int)
    /// The key file of the current epoch is there but cannot be read: the system's reason.
    case keyUnreadable(epoch: Int, reason: String)
    /// The key file of the current epoch is not the key-encryption key the key store expects
    /// (damaged, or another home's).
    case wrongKey(epoch: Int)
    /// Key files of other epochs are still there (old ones a rotation owes, or a stray new one).
    case otherEpochs([Int])

    /// The short name `keys status --json` gives it (`problem`).
    public var code: String {
        switch self {
        case .missing: return "missing"
        case .unreadable: return "unreadable"
        case .noCurrentKey: return "no_current_key"
        case .keyUnreadable: return "key_unreadable"
        case .wrongKey: return "wrong_key"
        case .otherEpochs: return "old_key_files"
        }
    }

    /// What is wrong, said of the directory ("PATH does not exist").
    public var description: String {
        switch self {
        case .missing: return "does not exist"
        case .unreadable(let reason): return "cannot be read (\(reason))"
        case .noCurrentKey(let epoch): return "does not hold the current key-encryption key (epoch \(epoch))"
        case .keyUnreadable(let epoch, let reason): return "holds the key file of epoch \(epoch), but it cannot be read (\(reason))"
        case .wrongKey(let epoch):
            return "holds a key file of epoch \(epoch) that is not this home's key-encryption key (damaged, or another home's)"
        case .otherEpochs(let epochs): return "still holds key files of \(Wording.list("epoch", "epochs", epochs))"
        }
    }

    /// What to do about it while another key directory still holds the current key.
    public var advice: String {
        switch self {
        case .missing:
            return "if it is on a disk or share that is not mounted, mount it; if it was lost, create it (mode 0700) and run "
                + "`lethe keys rotate`, which writes a new key-encryption key to every key directory"
        case .unreadable, .keyUnreadable: return Self.accessAdvice("it")
        case .noCurrentKey:
            return "if it is the mount point of a disk that is not mounted, mount it; otherwise run `lethe keys rotate`, which "
                + "writes a new key-encryption key to every key directory"
        case .wrongKey:
            return "run `lethe keys rotate`, which writes a new key-encryption key to every key directory and destroys this file"
        case .otherEpochs: return "run `lethe keys rotate` to destroy them"
        }
    }

    /// True when the key is there and only permissions stand in the way: nothing is lost.
    var isAccess: Bool {
        switch self {
        case .unreadable, .keyUnreadable: return true
        case .missing, .noCurrentKey, .wrongKey, .otherEpochs: return false
        }
    }

    /// Fix the permissions of `what`.
    static func accessAdvice(_ what: String) -> String {
        "give the user that runs lethe access to \(what) (its owner; folders mode 0700, key files 0600); no key is lost"
    }

    /// What to do when no key directory yields the current key: permissions to fix, folders to
    /// mount or put back and, when the key is lost in every one, the escrow (never for a
    /// directory that only cannot be read: its key is still there).
    public static func adviceWhenNoneHoldsTheKey(_ problems: [KeyDirectoryProblem]) -> String {
        var advice: [String] = []
        if problems.contains(where: \.isAccess) { advice.append(accessAdvice("what cannot be read")) }
        if problems.contains(where: { !$0.isAccess }) {
            advice.append("mount the disks or shares that are not mounted, or put the key files back from a copy of a key directory; "
                + "if the key is lost in every one, rebuild them from escrow: `lethe keys recover --recovery-key FILE` (sealed escrow) "
                + "or `lethe keys recover --escrow FILE` (raw)")
        }
        return advice.joined(separator: "; ")
    }

    /// Its ``code``.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }
}
