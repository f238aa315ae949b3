import Foundation
import LetheCore

/// A Python HTTP server script run as a child process on a free loopback port.
///
/// The script must print its port on the first line of standard output, and should exit when
/// its standard input closes (so no server outlives the test process). `stop` closes standard
/// input, then terminates, then kills by pid if the server lingers.
public final class LoopbackPythonServer: @unchecked Sendable {
    private let process = Process()
    private let input = Pipe()
    /// `http://127.0.0.1:PORT`.
    public let endpoint: URL

    /// Starts `script` with `python3` and waits for the port line.
    ///
    /// - Throws: `ObjectStoreError.failed` when the script prints no port.
    public init(script: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = input
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData  // blocks until some output or EOF
            if chunk.isEmpty { break }
            line += chunk
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let port = Int(text) else {
            process.terminate()
            throw ObjectStoreError.failed("the fake server did not start")
        }
        endpoint = URL(string: "http://127.0.0.1:\(port)")!
    }

    /// Stops the server: closing its stdin ends it; SIGKILL by pid if it lingers.
    public func stop() {
        try? input.fileHandleForWriting.close()
        process.terminate()
        for _ in 0..<50 where process.isRunning { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
