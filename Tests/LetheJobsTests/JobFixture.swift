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

    /// Creates the source tree and a home at `now`; `policy` is the text of a policy file to
    /// use instead of the built-in default; `offsite` sets up an S3 offsite store in the home's
    /// configuration (tests that inject a store pass it to `home(offsiteStore:)` instead).
    init(customers: [String: [String: [UInt8]]], now: Date = Date(timeIntervalSince1970: 1_793_577_600),
         policy: String? = nil, offsite: OffsiteSettings? = nil) throws {
        root = try TemporaryDirectory(prefix: "lethe-jobs")
        clock = ManualClock(now)
        for (customer, files) in customers { try addFiles(files, to: customer) }
        var policyURL: URL?
        if let policy {
            policyURL = root.url.appendingPathComponent("policy.yaml")
            try Data(policy.utf8).write(to: policyURL!)
        }
        try HomeSetup.create(.init(home: homeURL, source: source, policy: policyURL, offsite: offsite), now: now)
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
    /// replacing the configured ones.
    func home(localStore: (any ObjectStore)? = nil, offsiteStore: (any ObjectStore)? = nil) throws -> Home {
        let lines = self.lines
        return try Home(url: homeURL, clock: clock, log: EventLog(style: .json) { lines.append($0) }, localStore: localStore,
                        offsiteStore: offsiteStore)
    }

    /// Every file under the home, the source excluded.
    func homeFiles() -> [URL] {
        guard let enumerator = FileManager.default.enumerator(at: homeURL, includingPropertiesForKeys: nil) else { return [] }
        return enumerator.compactMap { $0 as? URL }.filter { !$0.hasDirectoryPath && (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
    }
}

final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}

/// Deterministic incompressible bytes.
func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed &+ 0x9E37_79B9_7F4A_7C15
    return (0..<count).map { _ in
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return UInt8(truncatingIfNeeded: state)
    }
}

extension Array where Element == UInt8 {
    /// True if `needle` occurs in these bytes.
    func contains(bytes needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, count >= needle.count else { return false }
        let first = needle[0]
        var index = 0
        while index <= count - needle.count {
            if self[index] == first && Array(self[index..<index + needle.count]) == needle { return true }
            index += 1
        }
        return false
    }
}
