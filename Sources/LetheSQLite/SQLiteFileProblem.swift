/// What the catalog's and the key store's errors say alike about their SQLite file: damaged,
/// unavailable, or held locked by another process.
public enum SQLiteFileProblem {
    /// "the NAME PATH is unavailable (REASON): check the home folder".
    public static func unavailable(_ name: String, _ path: String, reason: String) -> String {
        "the \(name) \(path) is unavailable (\(reason)): check the home folder"
    }

    /// "DAMAGE: CONSEQUENCE; run nothing that writes to this home, restore FILE SOURCE, then run CHECK".
    public static func damaged(_ damage: SQLiteDamage, _ consequence: String, restore source: String, then check: String) -> String {
        "\(damage): \(consequence); run nothing that writes to this home, restore \(damage.file.lastPathComponent) \(source), then run \(check)"
    }

    /// What to say when another process held the file locked for longer than the busy timeout.
    public static func busy(_ name: String, _ path: String) -> String {
        "the \(name) \(path) stayed locked by another process (a lethe run stopped or stalled?): "
            + "let it finish or stop it, then run this command again"
    }
}
