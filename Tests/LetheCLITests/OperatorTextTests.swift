import Foundation
import LetheTestSupport
import Testing

/// What an operator reads in the first week (issue 12, "Text"), through the real binary.
@Suite struct OperatorTextTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Writes `text` as a policy file in `folder` and returns its path.
    static func policy(_ text: String, in folder: URL, name: String = "p.yaml") throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @Test func versionPrintsOneVersionLine() throws {
        let result = try LetheProcess.run(["--version"])
        #expect(result.status == 0, "\(result.stderr)")
        let line = result.stdout.trimmingCharacters(in: .newlines)
        #expect(line.split(separator: ".").count == 3 && line.split(separator: ".").allSatisfy { Int($0) != nil }, "\(line)")
        // Defined once, in Sources/LetheCLI/LetheVersion.swift, and named in the README.
        let source = try String(contentsOf: Self.packageRoot.appendingPathComponent("Sources/LetheCLI/LetheVersion.swift"), encoding: .utf8)
        #expect(source.contains("\"\(line)\""))
        let readme = try String(contentsOf: Self.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("lethe --version") && readme.contains("Sources/LetheCLI/LetheVersion.swift"))
    }
}
