import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress display on a terminal ("[12/200] customers"); nothing elsewhere.
public final class Progress: @unchecked Sendable {
    private let lock = NSLock()
    private var done = 0
    private var total = 0
    private var unit = ""

    /// A display on standard error, or nil when standard error is not a terminal.
    public static func onTerminal() -> Progress? { isatty(STDERR_FILENO) == 1 ? Progress() : nil }

    func start(total: Int, unit: String) {
        lock.withLock { self.total = total; self.unit = unit; done = 0 }
        draw()
    }

    func advance() {
        lock.withLock { done += 1 }
        draw()
    }

    func finish() { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }

    private func draw() {
        let line = lock.withLock { "\r[\(done)/\(total)] \(unit)" }
        FileHandle.standardError.write(Data(line.utf8))
    }
}
