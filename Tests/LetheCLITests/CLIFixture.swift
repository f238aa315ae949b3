import Foundation
import LetheTestSupport

/// A source tree and a Lethe home in a temporary folder, driven through the real binary.
final class CLIFixture {
    let root: TemporaryDirectory
    var source: URL { root.url.appendingPathComponent("source") }
    var home: URL { root.url.appendingPathComponent("home") }
    var store: URL { home.appendingPathComponent("store") }
    /// Extra environment for every run (LETHE_NOW, say).
    var environment: [String: String] = [:]

    /// Creates the source tree with `customers` (name → files), lets `prepare` add to the source
    /// root (names as bytes, say), and runs `lethe init` at `now` with `initArguments` (given
    /// the fixture's root folder) added.
    init(customers: [String: [String: [UInt8]]], now: String = "2026-11-01T00:00:00Z",
         prepare: ((_ source: URL) throws -> Void)? = nil, initArguments: (_ root: URL) -> [String] = { _ in [] }) throws {
        environment["LETHE_NOW"] = now
        root = try TemporaryDirectory(prefix: "lethe-cli")
        if let prepare {
            try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
            try prepare(source)
        }
        for (customer, files) in customers {
            for (path, bytes) in files {
                let url = source.appendingPathComponent(customer).appendingPathComponent(path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(bytes).write(to: url)
            }
        }
        let result = try LetheProcess.run(["init", "--home", home.path, "--source", source.path] + initArguments(root.url), environment: environment)
        guard result.status == 0 else { throw FixtureError("init failed: \(result.stderr)") }
    }

    /// Runs `lethe arguments… --home HOME`, with `input` on standard input if given.
    func lethe(_ arguments: [String], input: [UInt8]? = nil) throws -> LetheProcess.Result {
        try LetheProcess.run(arguments + ["--home", home.path], environment: environment, input: input)
    }

    /// Runs a command that must succeed, and returns its standard output.
    @discardableResult
    func succeed(_ arguments: [String]) throws -> String {
        let result = try lethe(arguments)
        guard result.status == 0 else { throw FixtureError("lethe \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)") }
        return result.stdout
    }

    /// `lethe list archives --json`, decoded.
    func copies(customer: String? = nil) throws -> [[String: Any]] {
        let output = try succeed(["list", "archives", "--json"] + (customer.map { ["--customer", $0] } ?? []))
        return try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]] ?? []
    }

    /// The file of a customer's local copy in a set (the newest if nil).
    func archiveFile(customer: String, set: String? = nil) throws -> URL {
        let local = try copies(customer: customer).filter { $0["location"] as? String == "local" }
        let chosen = set.flatMap { id in local.first { $0["set"] as? String == id } } ?? local.last
        guard let key = chosen?["object_key"] as? String else { throw FixtureError("no local copy") }
        return store.appendingPathComponent(key)
    }

}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

