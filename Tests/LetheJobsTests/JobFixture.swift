import Foundation
import LetheCore
import LetheJobs
import LetheTestSupport

/// A source tree and a home driven in-process, with a manual clock and a captured log.
final class JobFixture: @unchecked Sendable {
    let root: TemporaryDirectory
    let clock: ManualClock
    private let lines = LockedLines()
    var source: URL { root.url.appendingPathComponent("source") }
    var homeURL: URL { root.url.appendingPathComponent("home") }
    var store: URL { homeURL.appendingPathComponent("store") }

    /// Every log line written so far.
    var logLines: [String] { lines.all }

    /// Creates the source tree and a home at `now`; `policy` is the text of the home's policy
    /// file (default: `policies/default.yaml`, local and offsite); `offsite` sets up an S3 offsite
    /// store in the home's configuration (tests that inject a store pass it to
    /// `home(offsiteStore:)` instead, so the policy is written over the one `init` chose, as an
    /// operator would edit it); `database`, given the fixture's folder, sets up a PostgreSQL source.
    init(customers: [String: [String: [UInt8]]], now: Date = Date(timeIntervalSince1970: 1_793_577_600),
         policy: String? = nil, offsite: OffsiteSettings? = nil, database: ((URL) throws -> HomeSetup.DatabaseRequest)? = nil) throws {
        root = try TemporaryDirectory(prefix: "lethe-jobs")
        clock = ManualClock(now)
        for (customer, files) in customers { try addFiles(files, to: customer) }
        let configuration = try HomeSetup.create(.init(home: homeURL, source: source, offsite: offsite, database: try database?(root.url)),
                                                 now: now)
        try Data((try policy ?? ShippedPolicy.defaultText).utf8).write(to: URL(fileURLWithPath: configuration.policy))
    }

    func addFiles(_ files: [String: [UInt8]], to customer: String) throws {
        try FileManager.default.createDirectory(at: source.appendingPathComponent(customer), withIntermediateDirectories: true)
        for (path, bytes) in files {
            let url = source.appendingPathComponent(customer).appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
    }

    /// Opens the home (a fresh `Home` each time, as each CLI run does), with injected stores
    /// replacing the configured ones; events go to `log`, or as JSON lines to `logLines`.
    func home(localStore: (any ObjectStore)? = nil, offsiteStore: (any ObjectStore)? = nil, log: EventLog? = nil) throws -> Home {
        let lines = self.lines
        return try Home(url: homeURL, clock: clock, log: log ?? EventLog(style: .json) { lines.append($0) }, localStore: localStore,
                        offsiteStore: offsiteStore)
    }

    /// Every file under the home, the source excluded.
    func homeFiles() -> [URL] {
        regularFiles(under: homeURL)
    }
}

final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}


