import LetheCrypto

/// What every `lethe` process does first, before any key exists.
public enum ProcessSetup {
    /// Hardens the process (`ProcessHardening`: no core dump can hold a key) and has keys live
    /// in locked memory; each thing the system refuses is logged once as a warning
    /// (`process.dumpable`, `keys.memory_not_locked`).
    public static func harden(log: EventLog) {
        for problem in ProcessHardening.apply() { log.warning("process.dumpable", ["reason": problem]) }
        KeyArena.shared.setWarningHandler { log.warning("keys.memory_not_locked", ["reason": $0]) }
    }
}
