import Foundation

/// Runs the real `lethe` executable, as an operator would.
struct LetheProcess {
    /// What a run printed and how it ended.
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// Standard output's exact bytes (an archive streamed by `export --out -`).
        var stdoutBytes = Data()
    }

    /// The binary: $LETHE_BIN (set by scripts/test.sh), else the debug build next to the package.
    static let binary: URL = {
        if let path = ProcessInfo.processInfo.environment["LETHE_BIN"], !path.isEmpty { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/lethe")
    }()

    /// Runs `lethe arguments…` with `environment` added to a clean one, and waits. `input`, when
    /// given, is written to its standard input (then closed); otherwise it reads /dev/null.
    /// `wrapper` (a tool and its arguments: `setpriv …`, `prlimit …`) runs `lethe` when given.
    static func run(_ arguments: [String], environment: [String: String] = [:], input: [UInt8]? = nil,
                    wrapper: [String] = []) throws -> Result {
        let process = start(arguments, environment: environment, wrapper: wrapper)
        let stdin = Pipe()
        if input != nil { process.process.standardInput = stdin }
        try process.process.run()
        if let input {
            stdin.fileHandleForWriting.write(Data(input))
            try stdin.fileHandleForWriting.close()
        }
        let out = process.stdout.fileHandleForReading.readDataToEndOfFile()
        let err = process.stderr.fileHandleForReading.readDataToEndOfFile()
        process.process.waitUntilExit()
        return Result(status: process.process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                      stderr: String(decoding: err, as: UTF8.self), stdoutBytes: out)
    }

    /// Runs another tool (`tar`, `zstd`…, found on the PATH) and returns its status and its
    /// standard output and error, interleaved.
    static func tool(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A configured, not yet started process with its pipes.
    static func start(_ arguments: [String], environment: [String: String] = [:],
                      wrapper: [String] = []) -> (process: Process, stdout: Pipe, stderr: Pipe) {
        let process = Process()
        if let tool = wrapper.first {
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = wrapper.dropFirst() + [binary.path] + arguments
        } else {
            process.executableURL = binary
            process.arguments = arguments
        }
        var env = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
        if let tmp = ProcessInfo.processInfo.environment["TMPDIR"] { env["TMPDIR"] = tmp }
        env.merge(environment) { $1 }
        process.environment = env
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdout
        process.standardError = stderr
        return (process, stdout, stderr)
    }
}
