import Foundation
@testable import LetheJobs
import Testing

/// The terminal's progress line and log lines share standard error without overwriting each other.
@Suite struct ProgressTests {
    @Test func lineShowsCountsBytesRateAndETA() {
        #expect(Progress.line(done: 5, total: 10, unit: "customers", bytes: 5_000_000, seconds: 2)
                == "[5/10] customers  5.0 MB  2.5 MB/s  ETA 0:02")
        #expect(Progress.line(done: 1, total: 7201, unit: "customers", bytes: 999, seconds: 1)
                == "[1/7201] customers  999 B  999 B/s  ETA 2:00:00")
        #expect(Progress.line(done: 0, total: 3, unit: "customers", bytes: 0, seconds: 0) == "[0/3] customers  0 B")
        #expect(Progress.line(done: 3, total: 3, unit: "customers", bytes: 3_000, seconds: 1) == "[3/3] customers  3.0 kB  3.0 kB/s")
    }

    /// Rendered as a terminal renders it, every log line stands whole on its own line, and the
    /// progress line is the last line, redrawn after each log line.
    @Test func logLinesNeverCollideWithTheProgressLine() {
        let output = Captured()
        let clock = Captured.Clock()
        let progress = Progress(write: { output.append($0) }, elapsed: { clock.now })
        let log = EventLog(style: .human) { progress.log($0) }
        progress.start(total: 3, unit: "customers")
        log.info("backup.started", ["set": "s1"])
        clock.now = 1
        progress.advance(bytes: 1_000)
        log.warning("backup.customer.failed", ["pseudonym": "p1"])
        clock.now = 2
        progress.advance(bytes: 1_000)
        #expect(Terminal.render(output.text) == [
            "backup.started set=s1",
            "warning: backup.customer.failed pseudonym=p1",
            "[2/3] customers  2.0 kB  1.0 kB/s  ETA 0:01",
        ])
        progress.finish()
        log.info("backup.finished")
        #expect(Terminal.render(output.text) == [
            "backup.started set=s1", "warning: backup.customer.failed pseudonym=p1", "backup.finished", "",
        ])
    }

    /// Per-customer events reach a person only with `--verbose`; JSON logs always hold them.
    @Test func perItemEventsOnlyWhenVerbose() {
        let quiet = Captured(), verbose = Captured(), json = Captured()
        EventLog(style: .human, verbose: false) { quiet.append($0) }.detail("backup.customer.committed", ["pseudonym": "p1"])
        EventLog(style: .human, verbose: true) { verbose.append($0) }.detail("backup.customer.committed", ["pseudonym": "p1"])
        EventLog(style: .json, verbose: false) { json.append($0) }.detail("backup.customer.committed", ["pseudonym": "p1"])
        #expect(quiet.text.isEmpty)
        #expect(verbose.text == "backup.customer.committed pseudonym=p1")
        #expect(json.text == #"{"event":"backup.customer.committed","level":"info","pseudonym":"p1"}"#)
    }
}

/// Text written by a display, kept for inspection.
final class Captured: @unchecked Sendable {
    private let lock = NSLock()
    private var parts: [String] = []
    func append(_ text: String) { lock.withLock { parts.append(text) } }
    var text: String { lock.withLock { parts.joined() } }

    /// A settable monotonic clock.
    final class Clock: @unchecked Sendable { var now = 0.0 }
}

/// What a terminal shows for text with carriage returns, "clear to end of line" and newlines.
enum Terminal {
    static func render(_ text: String) -> [String] {
        var lines = [""]
        var column = 0
        var rest = Substring(text)
        while let character = rest.first {
            if rest.hasPrefix("\u{1B}[K") {
                lines[lines.count - 1] = String(lines[lines.count - 1].prefix(column))
                rest = rest.dropFirst(3)
                continue
            }
            rest = rest.dropFirst()
            switch character {
            case "\r": column = 0
            case "\n": lines.append(""); column = 0
            default:
                var line = Array(lines[lines.count - 1])
                if column < line.count { line[column] = character } else { line.append(character) }
                lines[lines.count - 1] = String(line)
                column += 1
            }
        }
        return lines
    }
}
