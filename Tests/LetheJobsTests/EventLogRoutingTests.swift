import Foundation
import LetheJobs
import Logging
import Testing

/// An embedder routes the jobs' events through a swift-log handler of its own: the event name is
/// the message, the fields are string metadata, per-item events arrive at `debug`.
@Suite struct EventLogRoutingTests {
    @Test func aBackupsEventsReachAnEmbeddersHandler() throws {
        let fixture = try JobFixture(customers: ["acme": ["a.txt": Array("hello".utf8)]])
        let handler = CollectingHandler()
        let log = EventLog(logger: Logger(label: "embedder") { _ in handler })
        _ = try BackupJob(home: fixture.home(log: log)).run()

        let events = handler.events
        let started = try #require(events.first { $0.message == "backup.started" })
        #expect(started.level == .info)
        #expect(started.metadata["set"]?.isEmpty == false)
        let committed = try #require(events.first { $0.message == "backup.customer.committed" })
        #expect(committed.level == .debug)
        #expect(committed.metadata["pseudonym"]?.isEmpty == false)
        #expect(events.last?.message == "backup.finished")
        // Pseudonyms only: the customer's id is in no message and no field.
        #expect(!events.contains { $0.message.contains("acme") || $0.metadata.values.contains { $0.contains("acme") } })
        // Lethe's own JSON lines were not written: the embedder's handler took every event.
        #expect(fixture.logLines.isEmpty)
    }

    @Test func lethesJSONLinesAreTheSameThroughSwiftLog() {
        let lines = LockedLines()
        let log = EventLog(style: .json) { lines.append($0) }
        log.warning("store.slow", ["location": "offsite", "seconds": "12"])
        log.error("backup.customer.failed", ["pseudonym": "p1"])
        #expect(lines.all == [
            #"{"event":"store.slow","level":"warning","location":"offsite","seconds":"12"}"#,
            #"{"event":"backup.customer.failed","level":"error","pseudonym":"p1"}"#,
        ])
    }
}

/// Keeps every event it is given, as an embedder's handler would forward them.
final class CollectingHandler: LogHandler, @unchecked Sendable {
    struct Event { var level: Logger.Level; var message: String; var metadata: [String: String] }

    private let lock = NSLock()
    private var kept: [Event] = []
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .trace

    var events: [Event] { lock.withLock { kept } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let fields = (event.metadata ?? [:]).mapValues { "\($0)" }
        lock.withLock { kept.append(Event(level: event.level, message: "\(event.message)", metadata: fields)) }
    }
}
