import Foundation
internal import CSodium
#if canImport(Glibc)
import Glibc
#endif

/// Keeping keys from reaching disk through the process itself: no core dump, no ptrace attach
/// by other processes of the same user, nothing in `/proc/PID/mem` for them.
public enum ProcessHardening {
    /// Makes the process not dumpable (`prctl(PR_SET_DUMPABLE, 0)`: no core file, `/proc/PID`
    /// owned by root, no ptrace by the same user) and sets `RLIMIT_CORE` to 0 (soft and hard).
    /// Call it first thing in `main`, before any key exists.
    ///
    /// - Returns: what could not be done (each with the reason), empty when both took effect.
    @discardableResult
    public static func apply() -> [String] {
        var problems: [String] = []
        if lethe_set_not_dumpable() != 0 {
            problems.append("prctl(PR_SET_DUMPABLE, 0): \(String(cString: strerror(errno)))")
        }
        var none = rlimit(rlim_cur: 0, rlim_max: 0)
        if setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &none) != 0 {
            problems.append("setrlimit(RLIMIT_CORE, 0): \(String(cString: strerror(errno)))")
        }
        return problems
    }
}
