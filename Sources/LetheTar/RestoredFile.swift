import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the writers of a restored tree share beyond libarchive's own disk writer (the rows'
/// CSV files, ``RowsFolderWriter``; unchanged files from a base, ``UnchangedFile``).
enum RestoredFile {
    /// The error of the system call that just failed (`errno`): `noSpace` for a full disk or
    /// quota, otherwise what was being done and the system's reason.
    static func failure(_ what: String) -> TarError {
        let code = errno
        if code == ENOSPC || code == EDQUOT { return .noSpace }
        return .libarchive("\(what): \(String(cString: strerror(code)))")
    }

    /// Writes all of `bytes` to `fd`, retrying short writes and EINTR; `what` names the work
    /// in the error.
    static func writeAll(_ bytes: UnsafeRawBufferPointer, to fd: Int32, what: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { throw failure(what) }
            offset += written
        }
    }
}
