import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive, non-blocking lock on a file in the home; released when the value is released
/// (or the process dies, so a killed run never leaves a stale lock).
public final class RunLock {
    private let fd: Int32

    /// Takes the lock named `name` in `home`, or throws `busy`.
    public init(home: URL, name: String) throws {
        let path = home.appendingPathComponent("\(name).lock").path
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw JobError.failed("cannot open the lock file \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw JobError.busy(name)
        }
    }

    deinit {
        // Unlock explicitly: a child process forked meanwhile shares the open file description
        // until it execs, and closing our descriptor alone would leave the lock held by it.
        flock(fd, LOCK_UN)
        close(fd)
    }
}
