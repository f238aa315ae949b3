import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The test seam for crash tests: `LETHE_TEST_CRASH_AT=STEP` kills this process with SIGKILL
/// when it reaches `STEP`, so tests can show what a killed run leaves. It changes nothing else.
enum TestCrashPoint {
    /// Kills the process with SIGKILL if `LETHE_TEST_CRASH_AT` names `step`.
    static func reached(_ step: String) {
        guard ProcessInfo.processInfo.environment["LETHE_TEST_CRASH_AT"] == step else { return }
        kill(getpid(), SIGKILL)
    }
}
