import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The test seam for crash tests: `LETHE_TEST_CRASH_AT=STEP` kills this process with SIGKILL
/// when it reaches `STEP`, so tests can show what a killed run leaves. It changes nothing else.
enum TestCrashPoint {
    /// The step named by the environment, read once (`ProcessInfo.environment` builds a new
    /// dictionary at every call, and a backup passes three steps per batch).
    private static let target = ProcessInfo.processInfo.environment["LETHE_TEST_CRASH_AT"]

    /// Kills the process with SIGKILL if `LETHE_TEST_CRASH_AT` names `step`.
    static func reached(_ step: String) {
        guard target == step else { return }
        kill(getpid(), SIGKILL)
    }
}
