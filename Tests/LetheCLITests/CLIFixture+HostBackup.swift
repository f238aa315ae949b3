import Foundation

/// A host backup of the home (restic, Borg, tar with their exclude-caches options): the key
/// store and the catalog, without the key and escrow directories (they carry CACHEDIR.TAG).
extension CLIFixture {
    private var hostBackupFolder: URL { root.url.appendingPathComponent("host-backup") }

    private func homeDatabaseFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: home.path).filter { $0.hasPrefix("keystore") || $0.hasPrefix("catalog") }
    }

    /// Copies the home's key store and catalog files aside, as a host backup would.
    func takeHostBackup() throws {
        try FileManager.default.createDirectory(at: hostBackupFolder, withIntermediateDirectories: true)
        for name in try homeDatabaseFiles() {
            try FileManager.default.copyItem(at: home.appendingPathComponent(name), to: hostBackupFolder.appendingPathComponent(name))
        }
    }

    /// Puts the host backup's key store and catalog back in place of the home's.
    func restoreHostBackup() throws {
        for name in try homeDatabaseFiles() { try FileManager.default.removeItem(at: home.appendingPathComponent(name)) }
        for name in try FileManager.default.contentsOfDirectory(atPath: hostBackupFolder.path) {
            try FileManager.default.copyItem(at: hostBackupFolder.appendingPathComponent(name), to: home.appendingPathComponent(name))
        }
    }
}
