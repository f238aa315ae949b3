import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The progress line on a terminal ("[12/200] customers  1.2 MB  3.4 MB/s  ETA 0:41"), and the
/// one writer of standard error while it is shown: a log line clears it, is written on its own
/// line, and the progress line is drawn again below it, so the two never overwrite each other.
public final class Progress: @unchecked Sendable {
    private let lock = NSLock()
    private let write: @Sendable (String) -> Void
    private let elapsed: @Sendable () -> Double
    private var done = 0
    private var total = 0
    private var bytes: Int64 = 0
    private var unit = ""
    private var shown = false
    private var started = 0.0
    private var lastDrawn = -Double.infinity

    /// Redraws at most this often (seconds), so a night of tiny customers does not flood the terminal.
    static let redrawInterval = 0.1

    /// The display on standard error, or nil when standard error is not a terminal (one per
    /// process: standard error is).
    public static let terminal: Progress? = isatty(STDERR_FILENO) == 1 ? Progress() : nil

    /// A display writing with `write`; `elapsed` is a monotonic clock in seconds (rates and ETA
    /// only: no decision depends on it).
    init(write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) },
         elapsed: @escaping @Sendable () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }) {
        self.write = write
        self.elapsed = elapsed
    }

    /// Shows the line for `total` items of `unit`.
    func start(total: Int, unit: String) {
        lock.withLock {
            self.total = total
            self.unit = unit
            done = 0
            bytes = 0
            started = elapsed()
            shown = true
            draw(force: true)
        }
    }

    /// Counts one item done, of `bytes` bytes.
    func advance(bytes: Int64 = 0) {
        lock.withLock {
            done += 1
            self.bytes += bytes
            draw(force: done == total)
        }
    }

    /// Clears the line for good.
    func finish() {
        lock.withLock {
            if shown { write(Self.clear) }
            shown = false
        }
    }

    /// Writes a log line above the progress line.
    public func log(_ line: String) {
        lock.withLock {
            write((shown ? Self.clear : "") + line + "\n")
            if shown { draw(force: true) }
        }
    }

    static let clear = "\r\u{1B}[K"

    private func draw(force: Bool) {
        let now = elapsed()
        guard shown, force || now - lastDrawn >= Self.redrawInterval else { return }
        lastDrawn = now
        write(Self.clear + Self.line(done: done, total: total, unit: unit, bytes: bytes, seconds: now - started))
    }

    /// The progress line's text: counts, bytes, rate and (once something is done) an ETA.
    static func line(done: Int, total: Int, unit: String, bytes: Int64, seconds: Double) -> String {
        var parts = ["[\(done)/\(total)] \(unit)", ByteCount.text(bytes)]
        if seconds > 0 && done > 0 {
            parts.append(ByteCount.text(Int64(Double(bytes) / seconds)) + "/s")
            if done < total {
                let remaining = Int((seconds / Double(done) * Double(total - done)).rounded(.up))
                parts.append("ETA " + (remaining >= 3600 ? "\(remaining / 3600):" + twoDigits(remaining / 60 % 60) : "\(remaining / 60)")
                             + ":" + twoDigits(remaining % 60))
            }
        }
        return parts.joined(separator: "  ")
    }

    private static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}

/// Byte counts for people: "812 B", "3.4 MB", "1.2 GB" (decimal units, like `df -H`).
enum ByteCount {
    static func text(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB", "PB"]
        var value = Double(bytes)
        var index = 0
        while value >= 1000 && index < units.count - 1 { value /= 1000; index += 1 }
        return index == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[index])
    }
}
