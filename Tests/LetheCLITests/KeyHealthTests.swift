import Foundation
import LetheTestSupport
import Testing

/// Key health is monitorable: `keys status` exits 1 whenever it is not healthy (the JSON is still
/// printed), names each key directory with what is wrong and what to run; an unreachable mirror
/// is an unreachable directory, not an owed rotation; an unreadable directory is not called
/// missing; and `nightly` warns about an unhealthy key directory and exits non-zero.
@Suite struct KeyHealthTests {
    /// `keys status` (and `--json`) of a home, decoded: the exit status, the JSON, the text.
    static func status(_ lethe: ([String]) throws -> LetheProcess.Result) throws -> (status: Int32, json: [String: Any], text: String) {
        let json = try lethe(["keys", "status", "--json"])
        let text = try lethe(["keys", "status"])
        #expect(json.status == text.status, "--json and text disagree: \(json.status) vs \(text.status)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json.stderr)")
        return (json.status, object, text.stdout)
    }

    /// The decoded `directories` of a `keys status --json`.
    static func directories(_ json: [String: Any]) -> [[String: Any]] { json["directories"] as? [[String: Any]] ?? [] }

    /// A home whose key directory is mirrored (``CLIFixture/mirroredHome()``), with `customers`
    /// (one small file each) backed up once by `job`.
    static func backedUpMirroredHome(_ customers: [String] = ["alice"], job: String = "backup") throws -> (fixture: CLIFixture, mirrored: MirroredHome) {
        let fixture = try CLIFixture(customers: Dictionary(uniqueKeysWithValues: customers.map { ($0, ["a.txt": Array($0.utf8)]) }))
        let mirrored = try fixture.mirroredHome()
        let run = try mirrored.lethe([job])
        try #require(run.status == 0, "\(run.stderr)")
        return (fixture, mirrored)
    }

    /// Moves the mirror away, as an unmounted disk; returns where it went.
    static func unplug(_ mirrored: MirroredHome, in fixture: CLIFixture) throws -> URL {
        let away = fixture.root.url.appendingPathComponent("vault-unplugged")
        try FileManager.default.moveItem(at: mirrored.mirror, to: away)
        return away
    }

    @Test func keysStatusExitsOneWhileARotationIsOwedAndZeroOnceHealthy() throws {
        let fixture = try CLIFixture.aliceAndBobBackedUpTwice()
        let healthy = try Self.status { try fixture.lethe($0) }
        #expect(healthy.status == 0)
        #expect(healthy.json["healthy"] as? Bool == true)

        #expect(try fixture.killedShred("alice", request: "REQ-1", at: "after-rotate-commit").status == SIGKILL)
        let owed = try Self.status { try fixture.lethe($0) }
        #expect(owed.status == 1, "an owed rotation must fail a monitor")
        #expect(owed.json["healthy"] as? Bool == false)
        #expect(owed.json["owed_rotation"] as? String != nil)
        #expect(owed.text.contains("ROTATION OWED") && owed.text.contains("lethe keys rotate"), "\(owed.text)")

        #expect(try fixture.lethe(["keys", "rotate"]).status == 0)
        let again = try Self.status { try fixture.lethe($0) }
        #expect(again.status == 0)
        #expect(again.text.contains("Healthy: nothing owed."))
    }

    /// A mirror that lost its key file (an unmounted mount point looks the same): exit 1, the
    /// directory is named with what is wrong and what to run; `keys rotate` makes it whole.
    @Test func aMirrorWithoutTheCurrentKeyIsNamedWithWhatToRun() throws {
        let (fixture, mirrored) = try Self.backedUpMirroredHome()
        defer { withExtendedLifetime(fixture) {} }  // its folder holds the home
        try FileManager.default.removeItem(at: mirrored.mirror.appendingPathComponent("kek-000001.key"))

        let broken = try Self.status { try mirrored.lethe($0) }
        #expect(broken.status == 1)
        #expect(broken.json["owed_rotation"] is NSNull, "nothing was left undestroyed: no rotation is owed")
        let mirror = try #require(Self.directories(broken.json).last)
        #expect(mirror["problem"] as? String == "no_current_key")
        #expect(Self.directories(broken.json).first?["problem"] == nil, "a healthy directory names no problem")
        let line = try #require(broken.text.split(separator: "\n").first { $0.contains(mirrored.mirror.path) })
        #expect(line.contains("does not hold the current key-encryption key (epoch 1)") && line.contains("lethe keys rotate"), "\(line)")
        #expect(!broken.text.contains("ROTATION OWED"))

        #expect(try mirrored.lethe(["keys", "rotate"]).status == 0)
        #expect(try Self.status { try mirrored.lethe($0) }.status == 0)
        #expect(try keyDirectoryFiles(mirrored.mirror) == ["kek-000002.key"])
    }

    /// Every key directory gone: one error that names each directory, what is wrong with it, and
    /// what to run; not only the last mirror.
    @Test func withEveryKeyDirectoryGoneTheErrorNamesEachOneAndWhatToRun() throws {
        let (fixture, mirrored) = try Self.backedUpMirroredHome()
        let primary = mirrored.home.appendingPathComponent("keys")
        try FileManager.default.moveItem(at: primary, to: fixture.root.url.appendingPathComponent("keys-gone"))
        try FileManager.default.moveItem(at: mirrored.mirror, to: fixture.root.url.appendingPathComponent("vault-gone"))

        for arguments in [["keys", "status"], ["keys", "status", "--json"]] {
            let result = try mirrored.lethe(arguments)
            #expect(result.status == 1)
            let lines = result.stderr.split(separator: "\n").filter { $0.hasPrefix("lethe:") }
            #expect(lines.count == 1, "\(result.stderr)")
            let error = String(lines.first ?? "")
            #expect(error.contains("\(primary.path) does not exist") && error.contains("\(mirrored.mirror.path) does not exist"), "\(error)")
            #expect(error.contains("mount") && error.contains("lethe keys recover"), "\(error)")
        }

        // One gone, the other holding a key that is not this home's: each named with its own problem.
        try FileManager.default.moveItem(at: fixture.root.url.appendingPathComponent("vault-gone"), to: mirrored.mirror)
        try Data(randomBytes(32, seed: 12)).write(to: mirrored.mirror.appendingPathComponent("kek-000001.key"))
        let mixed = try mirrored.lethe(["backup"])
        #expect(mixed.status == 1)
        #expect(mixed.stderr.contains("\(primary.path) does not exist"), "\(mixed.stderr)")
        #expect(mixed.stderr.contains("\(mirrored.mirror.path) holds a key file of epoch 1 that is not this home's key-encryption key"),
                "\(mixed.stderr)")
    }

    /// An unmounted mirror when nothing is owed: an unreachable key directory (exit 1, named,
    /// "mount it"), not a rotation owed that `keys rotate` could not do; back in place, healthy.
    @Test func anUnmountedMirrorIsAnUnreachableDirectoryNotAnOwedRotation() throws {
        let (fixture, mirrored) = try Self.backedUpMirroredHome()
        let away = try Self.unplug(mirrored, in: fixture)

        let unplugged = try Self.status { try mirrored.lethe($0) }
        #expect(unplugged.status == 1)
        #expect(unplugged.json["owed_rotation"] is NSNull, "\(unplugged.json["owed_rotation"] ?? "")")
        let mirror = try #require(Self.directories(unplugged.json).last)
        #expect(mirror["readable"] as? Bool == false && mirror["problem"] as? String == "missing")
        #expect(!unplugged.text.contains("ROTATION OWED"), "\(unplugged.text)")
        let line = try #require(unplugged.text.split(separator: "\n").first { $0.contains(mirrored.mirror.path) })
        #expect(line.contains("does not exist") && line.contains("mount it"), "\(line)")

        try FileManager.default.moveItem(at: away, to: mirrored.mirror)
        #expect(try Self.status { try mirrored.lethe($0) }.status == 0)
    }

    /// The erasure guarantee is kept: an old KEK that a rotation could not destroy (killed after
    /// its commit) is still owed work while the mirror holding it is away.
    @Test func anOldKeyNotYetDestroyedStaysOwedWhileItsMirrorIsAway() throws {
        let (fixture, mirrored) = try Self.backedUpMirroredHome(["alice", "bob"])
        #expect(try fixture.killedShred("alice", request: "REQ-2", at: "after-rotate-commit", home: mirrored.home).status == SIGKILL)
        let away = try Self.unplug(mirrored, in: fixture)

        let owed = try Self.status { try mirrored.lethe($0) }
        #expect(owed.status == 1)
        #expect(owed.json["owed_rotation"] as? String != nil, "the old KEK may survive in the mirror: the rotation is owed")
        #expect(Self.directories(owed.json).last?["problem"] as? String == "missing")
        #expect(owed.text.contains("ROTATION OWED"))
        #expect(try mirrored.lethe(["keys", "escrow", "--raw", "--force"]).status == 1, "no escrow while the old KEK may survive")

        try FileManager.default.moveItem(at: away, to: mirrored.mirror)
        #expect(try mirrored.lethe(["keys", "rotate"]).status == 0)
        #expect(try keyDirectoryFiles(mirrored.mirror) == ["kek-000003.key"])
        #expect(try Self.status { try mirrored.lethe($0) }.status == 0)
    }

    /// Runs `lethe arguments… --home HOME` as a user whom file modes stop: as root (which reads
    /// anything), the nobody user through setpriv, after the fixture's files are given to it.
    static func runUnprivileged(_ home: URL, environment: [String: String], _ arguments: [String]) throws -> LetheProcess.Result {
        try LetheProcess.run(arguments + ["--home", home.path], environment: environment,
                             wrapper: getuid() == 0 ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"] : [])
    }

    /// Gives every file under `root` to the nobody user when the tests run as root (so that
    /// `runUnprivileged` can use them); nothing otherwise.
    static func handOver(_ root: URL) throws {
        guard getuid() == 0 else { return }
        let chown = Process()
        chown.executableURL = URL(fileURLWithPath: "/bin/chown")
        chown.arguments = ["-R", "65534:65534", root.path]
        try chown.run()
        chown.waitUntilExit()
        try #require(chown.terminationStatus == 0, "chown failed")
    }

    /// A key directory (or key file) whose permissions forbid reading: "cannot be read", with
    /// the advice to fix its permissions; never "missing … restore from escrow".
    @Test func anUnreadableKeyDirectoryIsNotCalledMissing() throws {
        let (fixture, mirrored) = try Self.backedUpMirroredHome()
        try Self.handOver(fixture.root.url)
        let lethe = { (arguments: [String]) in
            try Self.runUnprivileged(mirrored.home, environment: mirrored.environment, arguments)
        }
        #expect(try lethe(["keys", "status"]).status == 0, "the unprivileged user can use the home")

        // The mirror unreadable: the primary serves; the mirror is named with its permissions.
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: mirrored.mirror.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: mirrored.mirror.path) }
        let mirrorDenied = try Self.status(lethe)
        #expect(mirrorDenied.status == 1)
        #expect(Self.directories(mirrorDenied.json).last?["problem"] as? String == "unreadable")
        #expect(mirrorDenied.json["owed_rotation"] is NSNull)
        let line = try #require(mirrorDenied.text.split(separator: "\n").first { $0.contains(mirrored.mirror.path) })
        #expect(line.contains("cannot be read (Permission denied)") && line.contains("access"), "\(line)")
        #expect(!line.lowercased().contains("missing") && !line.contains("escrow"), "\(line)")

        // The primary's key file unreadable too: every command says so, with the same advice.
        let keyFile = mirrored.home.appendingPathComponent("keys/kek-000001.key")
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: keyFile.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyFile.path) }
        let denied = try lethe(["restore", "--customer", "alice", "--to", fixture.root.url.appendingPathComponent("r").path])
        #expect(denied.status == 1)
        #expect(denied.stderr.contains("\(mirrored.home.path)/keys holds the key file of epoch 1, but it cannot be read (Permission denied)"),
                "\(denied.stderr)")
        #expect(denied.stderr.contains("\(mirrored.mirror.path) cannot be read (Permission denied)"), "\(denied.stderr)")
        #expect(!denied.stderr.contains("missing") && !denied.stderr.contains("keys recover"), "\(denied.stderr)")
    }

    /// The JSON log lines of a run's standard error with this event name.
    static func events(_ name: String, in stderr: String) -> [[String: Any]] {
        stderr.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }.filter { ($0["event"] ?? $0["message"]) as? String == name }
    }

    /// `nightly` with a key directory missing: it backs up as usual, then warns (a log event
    /// naming the directory, a line saying what to do) and exits 2: the keys are not as they
    /// must be. With the directory back, it exits 0 again.
    @Test func nightlyWarnsAboutAnUnhealthyKeyDirectoryAndExitsNonZero() throws {
        let (fixture, mirrored) = try Self.backedUpMirroredHome(job: "nightly")
        let away = try Self.unplug(mirrored, in: fixture)

        let nightly = try mirrored.lethe(["nightly"], ["LETHE_NOW": "2026-11-02T00:00:00Z"])
        #expect(nightly.status == 2, "\(nightly.stdout)\n\(nightly.stderr)")
        #expect(nightly.stdout.contains("1 of 1 customer committed"), "the backup itself ran")
        let warnings = Self.events("keys.directory_unhealthy", in: nightly.stderr)
        #expect(warnings.count == 1, "\(nightly.stderr)")
        #expect(warnings.first.map { "\($0)" }?.contains(mirrored.mirror.path) == true, "\(warnings)")
        let line = nightly.stderr.split(separator: "\n").first { $0.hasPrefix("lethe:") && $0.contains(mirrored.mirror.path) }
        #expect(line?.contains("does not exist") == true && line?.contains("lethe keys status") == true, "\(nightly.stderr)")

        try FileManager.default.moveItem(at: away, to: mirrored.mirror)
        let back = try mirrored.lethe(["nightly"], ["LETHE_NOW": "2026-11-03T00:00:00Z"])
        #expect(back.status == 0, "\(back.stderr)")
        #expect(Self.events("keys.directory_unhealthy", in: back.stderr).isEmpty)
    }
}
