import Foundation
import LetheCore
import Logging

/// Lethe's log: named events with string fields (pseudonyms only, never customer ids or key
/// bytes), sent through a swift-log `Logger`, so an embedder or a test routes them with a handler
/// of its own. Lethe's own formats are `LetheLogHandler`: short human lines on a terminal, JSON
/// lines for log collectors elsewhere.
///
/// The event name is the log message; the fields are its metadata, all strings. Per-item events
/// (`detail`) are logged at `debug`, everything else at `info`, `warning` or `error`.
public struct EventLog: Sendable {
    /// How Lethe's own handler writes lines.
    public typealias Style = LetheLogHandler.Style

    /// Where the events go.
    public let logger: Logger

    /// A log that sends every event to `logger`.
    public init(logger: Logger) { self.logger = logger }

    /// A log in Lethe's `style`, writing lines with `write` (standard error by default);
    /// `verbose` shows per-item events (`detail`) in human style too.
    public init(style: Style, verbose: Bool = true, write: @escaping @Sendable (String) -> Void = EventLog.writeToStandardError) {
        let handler = LetheLogHandler(style: style, verbose: verbose, write: write)
        self.init(logger: Logger(label: LetheLogHandler.label) { _ in handler })
    }

    /// Writes `line` and a newline to standard error in one `write(2)` (a failed write is dropped:
    /// a log line never fails the job that logs it).
    public static func writeToStandardError(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        bytes.withUnsafeBytes { try? DurableFile.writeAll(STDERR_FILENO, $0, path: "standard error") }
    }

    /// Human lines on a terminal, written above the progress line and without per-item events
    /// unless `verbose`; JSON lines otherwise, every event included.
    public static func standard(verbose: Bool = false) -> EventLog {
        guard let terminal = Progress.terminal else { return EventLog(style: .json) }
        return EventLog(style: .human, verbose: verbose) { terminal.log($0) }
    }

    /// Records an informational event.
    public func info(_ event: String, _ fields: [String: String] = [:]) { emit(.info, event, fields) }
    /// Records an informational event about one item among many (a customer committed, a copy
    /// deleted): an `info` line in JSON, shown to a person only with `--verbose`.
    public func detail(_ event: String, _ fields: [String: String] = [:]) { emit(.debug, event, fields) }
    /// Records something the operator should look at.
    public func warning(_ event: String, _ fields: [String: String] = [:]) { emit(.warning, event, fields) }
    /// Records a failure.
    public func error(_ event: String, _ fields: [String: String] = [:]) { emit(.error, event, fields) }

    private func emit(_ level: Logger.Level, _ event: String, _ fields: [String: String]) {
        logger.log(level: level, "\(event)", metadata: fields.mapValues { .string($0) })
    }
}
