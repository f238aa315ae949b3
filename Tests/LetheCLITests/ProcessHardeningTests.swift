import Foundation
import LetheTestSupport
import Testing

/// Keys never reach disk through the process: a running `lethe` is not dumpable and may write no
/// core file; when the system refuses to lock key memory, it warns once and still works.
@Suite struct ProcessHardeningTests {
    /// Runs `lethe arguments…` with standard input a pipe this test holds open, as the nobody
    /// user when the tests run as root (so that root ownership of /proc/PID shows non-dumpable).
    static func startBlockedOnStandardInput(_ arguments: [String]) throws -> (Process, Pipe) {
        let process = LetheProcess.start(arguments).process
        if getuid() == 0 {
            process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", "--", process.executableURL!.path] + arguments
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        }
        let input = Pipe()
        process.standardInput = input
        try process.run()
        return (process, input)
    }

    /// Waits until `pid` is `lethe` blocked in read(2) on its standard input (x86-64 syscall 0,
    /// first argument 0): it cannot get there before `main` has run its first lines.
    static func waitUntilReadingStandardInput(_ process: Process) throws {
        let pid = process.processIdentifier
        while process.isRunning {
            let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? ""
            let syscall = (try? String(contentsOfFile: "/proc/\(pid)/syscall", encoding: .utf8)) ?? ""
            if comm.hasPrefix("lethe"), syscall.hasPrefix("0 0x0 ") { return }
            usleep(10_000)  // polling a state the process stays in until the test closes its input
        }
        throw FixtureError("lethe exited (\(process.terminationStatus)) before it read its standard input")
    }

    /// The soft and hard "Max core file size" of /proc/PID/limits.
    static func coreLimit(_ pid: Int32) throws -> [String] {
        let limits = try String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)
        let line = try #require(limits.split(separator: "\n").first { $0.hasPrefix("Max core file size") })
        return Array(line.dropFirst("Max core file size".count).split(separator: " ").prefix(2).map(String.init))
    }

    /// Who owns /proc/PID/status: the process's own uid if it is dumpable, root if not.
    static func procOwner(_ pid: Int32) throws -> UInt32 {
        var info = stat()
        guard stat("/proc/\(pid)/status", &info) == 0 else { throw FixtureError("cannot stat /proc/\(pid)/status") }
        return info.st_uid
    }

    @Test func aRunningLetheIsNotDumpableAndMayWriteNoCoreFile() throws {
        let (process, input) = try Self.startBlockedOnStandardInput(
            ["keys", "recover", "--escrow", "-", "--home", "/nonexistent-lethe-home"])
        defer {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
        }
        try Self.waitUntilReadingStandardInput(process)
        let pid = process.processIdentifier
        let uid = getuid() == 0 ? 65534 : getuid()
        #expect(try Self.coreLimit(pid) == ["0", "0"])
        #expect(try Self.procOwner(pid) == 0, "/proc/PID is owned by the process's own user: it is dumpable")

        // Control: a process of the same user that did not harden itself owns its /proc/PID.
        let control = Process()
        control.executableURL = URL(fileURLWithPath: getuid() == 0 ? "/usr/bin/setpriv" : "/bin/cat")
        control.arguments = getuid() == 0 ? ["--reuid=65534", "--regid=65534", "--clear-groups", "--", "/bin/cat"] : []
        let controlInput = Pipe()
        control.standardInput = controlInput
        try control.run()
        defer {
            try? controlInput.fileHandleForWriting.close()
            control.waitUntilExit()
        }
        while control.isRunning && !((try? String(contentsOfFile: "/proc/\(control.processIdentifier)/syscall", encoding: .utf8)) ?? "").hasPrefix("0 0x0 ") {
            usleep(10_000)
        }
        #expect(try Self.procOwner(control.processIdentifier) == uid)
    }

    @Test func withoutLockableMemoryLetheWarnsOnceAndWorks() throws {
        // RLIMIT_MEMLOCK 0; as root also without CAP_IPC_LOCK, which would ignore the limit.
        let limited = ["/usr/bin/prlimit", "--memlock=0:0"] + (getuid() == 0 ? ["/usr/bin/setpriv", "--bounding-set=-ipc_lock", "--"] : [])
        func run(_ fixture: CLIFixture, _ arguments: [String]) throws -> LetheProcess.Result {
            try LetheProcess.run(arguments + ["--home", fixture.home.path], environment: fixture.environment, wrapper: limited)
        }
        let fixture = try CLIFixture(customers: ["alice": ["a.txt": Array("alice".utf8)]])
        for arguments in [["backup"], ["restore", "--customer", "alice", "--to", fixture.root.url.appendingPathComponent("r").path]] {
            let result = try run(fixture, arguments)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            let warnings = result.stderr.split(separator: "\n").filter { $0.contains("keys.memory_not_locked") }
            #expect(warnings.count == 1, "\(arguments): \(result.stderr)")
            #expect(warnings.first?.contains("mlock") == true)
        }
        #expect(try Data(contentsOf: fixture.root.url.appendingPathComponent("r/a.txt")) == Data("alice".utf8))
        // Without the limit, no warning.
        #expect(!(try fixture.lethe(["list", "archives"])).stderr.contains("keys.memory_not_locked"))
    }
}
