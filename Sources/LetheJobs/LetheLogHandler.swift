import Foundation
import LetheCore
import Logging

/// Writes Lethe's events in its two formats: short human lines (`level: event key=value …`,
/// nothing before info events) or JSON lines (`{"event":…,"level":…,fields…}`, sorted keys).
///
/// Per-item events arrive at `debug`: JSON lines write them as `info`, as every version of Lethe
/// has; human lines show them only when verbose. Lines are written whole, one at a time.
public struct LetheLogHandler: LogHandler {
    /// How lines are written.
    public enum Style: Sendable { case human, json, silent }

    /// The label of Lethe's loggers.
    public static let label = "lethe"

    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level

    private let style: Style
    private let writer: LineWriter

    /// A handler in `style` writing each line with `write`; `verbose` lets human lines show
    /// per-item events.
    public init(style: Style, verbose: Bool, write: @escaping @Sendable (String) -> Void) {
        self.style = style
        self.writer = LineWriter(write: write)
        self.logLevel = style == .human && !verbose ? .info : .debug
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: String] = [:]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
            fields[key] = "\(value)"
        }
        let name = "\(event.message)"
        let level = Self.levelName(event.level)
        switch style {
        case .silent: return
        case .human:
            let detail = fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            writer.write("\(level == "info" ? "" : level + ": ")\(name)\(detail.isEmpty ? "" : " " + detail)")
        case .json:
            fields["level"] = level
            fields["event"] = name
            // Plain fields (every per-customer line: pseudonyms, sizes) without an encoder per line.
            if let line = LetheJSON.plainObject(fields) { return writer.write(line) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            writer.write(String(decoding: (try? encoder.encode(fields)) ?? Data(), as: UTF8.self))
        }
    }

    /// Lethe's three level names: per-item (`debug`) and lower events are `info`.
    static func levelName(_ level: Logger.Level) -> String {
        switch level {
        case .trace, .debug, .info, .notice: return "info"
        case .warning: return "warning"
        case .error, .critical: return "error"
        }
    }
}

/// One line at a time to the handler's destination, shared by every copy of the handler.
private final class LineWriter: @unchecked Sendable {
    private let lock = NSLock()
    private let write: @Sendable (String) -> Void

    init(write: @escaping @Sendable (String) -> Void) { self.write = write }

    func write(_ line: String) { lock.withLock { write(line) } }
}
