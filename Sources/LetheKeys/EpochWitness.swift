import Foundation
import LetheCore

/// The newest KEK epoch a folder has seen: a small file (`newest-epoch`, one decimal line) that
/// every key directory keeps, written after each rotation commits and never lowered.
///
/// Key directories are kept out of host backups (`CACHEDIR.TAG`), so they outlive a home put
/// back from an old backup. A key store, or an escrowed KEK, older than the newest epoch any
/// reachable witness has seen is refused: it predates a shred or an expiry whose rotation made
/// it inert, and opening it (or writing its KEK back) would bring back what they erased.
public enum EpochWitness {
    static let fileName = "newest-epoch"

    /// The epoch `folder` has witnessed, or nil (no witness there yet, or unreadable).
    public static func newest(in folder: URL) -> Int? {
        guard let text = try? String(contentsOf: folder.appendingPathComponent(fileName), encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The newest epoch any of `folders` has witnessed, and which folder saw it.
    public static func newest(among folders: [URL]) -> (epoch: Int, folder: String)? {
        folders.compactMap { folder in newest(in: folder).map { ($0, folder.path) } }.max { $0.0 < $1.0 }
    }

    /// Records `epoch` in `folder` durably (`DurableFile.replace`), unless the folder has
    /// already seen it or a newer one.
    public static func record(_ epoch: Int, in folder: URL) throws {
        if let seen = newest(in: folder), seen >= epoch { return }
        try Array("\(epoch)\n".utf8).withUnsafeBytes { try DurableFile.replace(folder.appendingPathComponent(fileName), with: $0, mode: 0o600) }
    }

    /// Throws `olderThanWitnessed` when `epoch` (a key store's, or an escrow's) is older than
    /// what a witness among `folders` (or `also`, one kept elsewhere: the offsite store) has seen.
    static func refuseOlder(_ epoch: Int, what: String, among folders: [URL], also extra: (epoch: Int, folder: String)? = nil) throws {
        guard let seen = [newest(among: folders), extra].compactMap({ $0 }).max(by: { $0.epoch < $1.epoch }),
              seen.epoch > epoch else { return }
        throw KeyStoreError.olderThanWitnessed(what: what, epoch: epoch, witnessed: seen.epoch, folder: seen.folder)
    }
}
