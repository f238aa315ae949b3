import Foundation
import LetheCore
import LetheTestSupport
import Testing

/// Issue 15's calendar simulation through the real `lethe` binary: three tiny customers mutated
/// a little every night (a file changed, one added, a folder renamed, one deleted), one
/// `lethe nightly` per night at that night's `LETHE_NOW`, and after each night:
///
/// - `lethe verify` exits 0, and `lethe verify --copies` each 7th night and the last;
/// - no copy outlives its delete-by: none still stored or to be stored (live, pending, overdue in
///   `list archives --json`) has a delete-by at or before the night;
/// - no base expires before a dependant: every such dependant's base has a copy at the same
///   location that is still stored (pending too, for a pending dependant) and whose delete-by is
///   not earlier than the dependant's; no chain is longer than three archives; and some copies
///   are differentials (so these checks ran);
/// - the newest copy of each customer at each location restores from that location alone
///   (`restore --from`) and equals, byte for byte, the customer's tree on the night it was made;
///   every 7th night every live copy of one customer (in turn) does, and on the last night
///   every live copy of every customer (a copy already restored while its location held the
///   same live copies is not restored again: nothing it depends on changed).
///
/// The issue asks for 400 nights; the suite runs `LETHE_SIMULATION_NIGHTS` nights (by default
/// 45 local-only and 40 with the offsite tier: a monthly, weeklies and dailies expiring at both
/// locations; under a minute each on a debug build, to keep CI short). For the full run:
/// `LETHE_SIMULATION_NIGHTS=400 swift test --skip-build --filter DifferentialCalendarCLITests`
/// (the offsite case through `scripts/s3-test-server.sh run`).
@Suite(.serialized) struct DifferentialCalendarCLITests {
    /// How many nights each simulation runs.
    static func nights(default value: Int) -> Int {
        Int(ProcessInfo.processInfo.environment["LETHE_SIMULATION_NIGHTS"] ?? "") ?? value
    }

    @Test func localOnlyDefaultPolicy() throws {
        let simulation = try Simulation(offsite: nil)
        try simulation.run(nights: Self.nights(default: 45))
    }

    @Test func defaultPolicyWithAnOffsiteTierOnTheS3TestServer() async throws {
        let endpoint = try OffsiteCLITests.s3Endpoint()
        let bucket = "lethe-sim-" + UUID().uuidString.lowercased().prefix(13)
        _ = try await OffsiteCLITests.s3(endpoint, "PUT", "/\(bucket)", headers: ["x-amz-bucket-object-lock-enabled": "true"])
        let simulation = try Simulation(offsite: (endpoint, String(bucket)))
        try simulation.run(nights: Self.nights(default: 40))
    }
}

/// One simulated home and its source, night after night.
final class Simulation {
    /// A customer's tree: relative path → contents (nil for a folder).
    typealias Tree = [String: Data?]

    static let customers = ["alice", "bob", "carol"]
    /// The first night: 1 November 2026, a Sunday, so the first set is the monthly.
    static let firstNight = Date(timeIntervalSince1970: 1_793_498_400)  // 2026-11-01T02:00:00Z

    let fixture: CLIFixture
    let locations: [String]
    /// Each customer's tree on each night, by the night's ISO time (the sets' `created`).
    var snapshots: [String: [String: Tree]] = [:]
    /// Customer by pseudonym.
    var customerOf: [String: String] = [:]
    /// Each customer's current folder name (renamed now and then).
    var folder: [String: String] = [:]

    init(offsite: (endpoint: String, bucket: String)?) throws {
        var files: [String: [String: [UInt8]]] = [:]
        for (index, customer) in Self.customers.enumerated() {
            files[customer] = [
                "notes.txt": Array("\(customer) night 0\n".utf8),
                "folder-0/a.txt": Array(String(repeating: customer, count: 20 + index).utf8),
                "folder-0/deeper/b.bin": (0..<(3000 + 500 * index)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) },
                "added/seed.txt": Array("seed \(customer)".utf8),
            ]
            folder[customer] = "folder-0"
        }
        fixture = try CLIFixture(customers: files, now: Timestamp.iso(Self.firstNight))
        if let offsite {
            fixture.environment["AWS_ACCESS_KEY_ID"] = "lethe-test"
            fixture.environment["AWS_SECRET_ACCESS_KEY"] = "lethe-test-secret"
            try OffsiteCLITests.setOffsite(fixture, endpoint: offsite.endpoint, bucket: offsite.bucket)
            // The default policy without the object lock: the S3 server locks objects on its own
            // (real) clock, so a copy locked until a simulated delete-by would stay undeletable.
            let policy = fixture.home.appendingPathComponent("policy.yaml")
            let unlocked = try String(contentsOf: policy, encoding: .utf8).replacingOccurrences(of: "object_lock: governance", with: "object_lock: none")
            try #require(unlocked.contains("object_lock: none"))
            try Data(unlocked.utf8).write(to: policy)
            locations = ["local", "offsite"]
        } else {
            locations = ["local"]
        }
    }

    /// Runs `nights` nights and checks each one; prints the time it took.
    func run(nights: Int) throws {
        let clock = ContinuousClock()
        let started = clock.now
        var restores = 0
        var restored: Set<String> = []
        var sawBase = false
        for night in 0..<nights {
            let now = Self.firstNight.addingTimeInterval(Double(night) * 86_400)
            let nowText = Timestamp.iso(now)
            if night > 0 { try mutate(night: night) }
            for customer in Self.customers { snapshots[customer, default: [:]][nowText] = try Self.tree(at: fixture.source.appendingPathComponent(customer)) }
            fixture.environment["LETHE_NOW"] = nowText
            try fixture.succeed(["nightly"])
            try fixture.succeed(["verify"])
            // Each week, and on the last night, every copy is read back and each differential's
            // unchanged files are checked against its base's listing at its location.
            if night % 7 == 6 || night == nights - 1 { try fixture.succeed(["verify", "--copies"]) }
            if night == 0 {
                for customer in Self.customers {
                    for copy in try fixture.copies(customer: customer) { customerOf[copy["pseudonym"] as! String] = customer }
                }
            }
            let copies = try fixture.copies()
            // Every copy still stored or still to be stored: `list archives` shows one past its
            // delete-by as overdue, so "live" alone would never show one.
            let present = copies.filter { Self.presentStates.contains($0["state"] as? String ?? "") }
            for copy in present {
                let deleteBy = try #require(Timestamp.parse(copy["delete_by"] as? String ?? ""))
                #expect(deleteBy > now, "night \(nowText): a copy outlives its delete-by after the nightly: \(copy)")
            }
            if present.contains(where: { $0["base"] is String }) { sawBase = true }
            checkChains(present, night: nowText)
            let live = present.filter { $0["state"] as? String == "live" }
            let sweep = night == nights - 1 ? Self.customers : night % 7 == 6 ? [Self.customers[night / 7 % Self.customers.count]] : []
            for (customer, location, set, created) in restorable(live, everyCopyOf: sweep) {
                // A copy already restored while its location held exactly the same live copies
                // cannot restore differently now (offsite copies change only weekly): skipped.
                let held = live.filter { $0["location"] as? String == location }.compactMap { $0["archive"] as? String }.sorted()
                guard restored.insert("\(location) \(set) \(customer) \(held)").inserted else { continue }
                try checkRestore(customer: customer, location: location, set: set, created: created, night: night)
                restores += 1
            }
        }
        // From the first weekly on (night 1), some copies are differentials: the chain checks ran.
        #expect(nights < 2 || sawBase, "no copy in \(nights) nights was a differential: the chain checks never ran")
        let elapsed = (clock.now - started).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        print("DifferentialCalendarCLITests: \(nights) nights, \(locations.joined(separator: "+")), \(restores) restores checked, "
              + String(format: "%.1f s", seconds)
              + (sawBase ? "" : "; no differential seen"))
    }

    /// The copies to restore tonight: every live one of the customers in `sweep`, the newest
    /// per location of the others.
    func restorable(_ live: [[String: Any]], everyCopyOf sweep: [String]) -> [(String, String, String, String)] {
        var chosen: [(String, String, String, String)] = []
        for location in locations {
            for customer in Self.customers {
                let mine = live.filter { $0["location"] as? String == location && customerOf[$0["pseudonym"] as? String ?? ""] == customer }
                    .sorted { ($0["created"] as! String) < ($1["created"] as! String) }
                for copy in sweep.contains(customer) ? mine : Array(mine.suffix(1)) {
                    chosen.append((customer, location, copy["set"] as! String, copy["created"] as! String))
                }
            }
        }
        return chosen
    }

    /// Restores one copy from its location alone and compares it with that night's tree.
    func checkRestore(customer: String, location: String, set: String, created: String, night: Int) throws {
        let target = fixture.root.url.appendingPathComponent("restore-\(night)-\(customer)-\(location)-\(set)")
        defer { try? FileManager.default.removeItem(at: target) }
        let result = try fixture.lethe(["restore", "--customer", customer, "--set", set, "--from", location, "--to", target.path])
        #expect(result.status == 0, "night \(night): restore of \(customer)'s \(location) copy of \(set) exited \(result.status): \(result.stderr)")
        guard result.status == 0 else { return }
        let expected = try #require(snapshots[customer]?[created], "no snapshot of \(customer) at \(created)")
        let restored = try Self.tree(at: target)
        let difference = "missing \(Set(expected.keys).subtracting(restored.keys).sorted()), extra \(Set(restored.keys).subtracting(expected.keys).sorted()), "
                + "different \(expected.keys.filter { restored[$0] != nil && restored[$0]! != expected[$0]! }.sorted())"
        #expect(restored == expected, "night \(night): \(customer)'s \(location) copy of \(set) differs from the tree of \(created): \(difference)")
    }

    /// The states of a copy that is stored, or is still to be stored.
    static let presentStates: Set<String> = ["live", "pending", "overdue"]

    /// No base expires before a dependant, at any location: each present (live, pending or
    /// overdue) dependant's base has a copy at the same location that is stored (live or overdue;
    /// for a pending dependant, pending too) and is deleted no earlier; chains are at most three
    /// archives long.
    func checkChains(_ present: [[String: Any]], night: String) {
        struct Link { var archive: String, location: String, state: String, deleteBy: String, base: String? }
        let links = present.map { Link(archive: $0["archive"] as? String ?? "", location: $0["location"] as? String ?? "",
                                       state: $0["state"] as? String ?? "", deleteBy: $0["delete_by"] as? String ?? "",
                                       base: $0["base"] as? String) }
        var byArchiveAndLocation: [String: Link] = [:]
        for link in links { byArchiveAndLocation[link.archive + "@" + link.location] = link }
        for link in links {
            var length = 1
            var current = link
            while let base = current.base {
                guard let baseLink = byArchiveAndLocation[base + "@" + current.location],
                      baseLink.state != "pending" || current.state == "pending" else {
                    Issue.record("night \(night): \(current.archive) (\(current.state)) at \(current.location) depends on \(base), which has no stored copy there")
                    break
                }
                // ISO 8601 UTC texts of one format compare as their instants.
                #expect(baseLink.deleteBy >= current.deleteBy,
                        "night \(night): base \(base) at \(current.location) is deleted by \(baseLink.deleteBy), before its dependant \(current.archive)'s \(current.deleteBy)")
                length += 1
                current = baseLink
            }
            #expect(length <= 3, "night \(night): \(link.archive) at \(link.location) is a chain of \(length) archives")
        }
    }

    /// Tonight's changes, different for each customer: notes changed, a file added, the folder
    /// renamed, the oldest added file deleted.
    func mutate(night: Int) throws {
        let manager = FileManager.default
        for (index, customer) in Self.customers.enumerated() {
            let root = fixture.source.appendingPathComponent(customer)
            let turn = night + index
            if turn % 3 == 0 { try Data("\(customer) night \(night)\n".utf8).write(to: root.appendingPathComponent("notes.txt")) }
            if turn % 2 == 0 {
                try Data(String(repeating: "\(night)", count: night % 7 + 1).utf8).write(to: root.appendingPathComponent("added/\(night).txt"))
            }
            if turn % 5 == 0 {
                let renamed = "folder-\(night)"
                try manager.moveItem(at: root.appendingPathComponent(folder[customer]!), to: root.appendingPathComponent(renamed))
                folder[customer] = renamed
            }
            if turn % 4 == 0 {
                let added = try manager.contentsOfDirectory(atPath: root.appendingPathComponent("added").path)
                    .compactMap { Int($0.dropLast(4)) }.sorted()
                if let oldest = added.first { try manager.removeItem(at: root.appendingPathComponent("added/\(oldest).txt")) }
            }
        }
    }

    /// The tree under `root`: every file's bytes and every folder, by relative path.
    static func tree(at root: URL) throws -> Tree {
        var tree: Tree = [:]
        let base = root.standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isDirectoryKey]) else { return tree }
        for case let url as URL in walker {
            let path = String(url.standardizedFileURL.path.dropFirst(base.count + 1))
            let isFolder = try url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory ?? false
            tree[path] = isFolder ? .some(nil) : .some(try Data(contentsOf: url))
        }
        return tree
    }
}
