import Foundation
import LetheCore
#if canImport(Glibc)
import Glibc
#endif

/// Lethe's log: one line per event on standard error. On a terminal, short human lines; elsewhere,
/// JSON lines for log collectors. Fields carry pseudonyms only, never customer ids or key bytes.
public final class EventLog: @unchecked Sendable {
    /// How lines are written.
    public enum Style: Sendable { case human, json, silent }

    private let style: Style
    private let verbose: Bool
    private let lock = NSLock()
    private let write: @Sendable (String) -> Void

    /// A log in `style`, writing lines with `write` (standard error by default); `verbose` shows
    /// per-item events (`detail`) in human style too.
    public init(style: Style, verbose: Bool = true,
                write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) {
        self.style = style
        self.verbose = verbose
        self.write = write
    }

    /// Human lines on a terminal, written above the progress line and without per-item events
    /// unless `verbose`; JSON lines otherwise, every event included.
    public static func standard(verbose: Bool = false) -> EventLog {
        guard let terminal = Progress.terminal else { return EventLog(style: .json) }
        return EventLog(style: .human, verbose: verbose) { terminal.log($0) }
    }

    /// Records an informational event.
    public func info(_ event: String, _ fields: [String: String] = [:]) { emit("info", event, fields) }
    /// Records an informational event about one item among many (a customer committed, a copy
    /// deleted): an `info` line in JSON, shown to a person only with `--verbose`.
    public func detail(_ event: String, _ fields: [String: String] = [:]) {
        if style == .human && !verbose { return }
        emit("info", event, fields)
    }
    /// Records something the operator should look at.
    public func warning(_ event: String, _ fields: [String: String] = [:]) { emit("warning", event, fields) }
    /// Records a failure.
    public func error(_ event: String, _ fields: [String: String] = [:]) { emit("error", event, fields) }

    private func emit(_ level: String, _ event: String, _ fields: [String: String]) {
        let line: String
        switch style {
        case .silent: return
        case .human:
            let detail = fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            line = "\(level == "info" ? "" : level + ": ")\(event)\(detail.isEmpty ? "" : " " + detail)"
        case .json:
            var record = fields
            record["level"] = level
            record["event"] = event
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            line = String(decoding: (try? encoder.encode(record)) ?? Data(), as: UTF8.self)
        }
        lock.withLock { write(line) }
    }
}
