import Foundation
import Testing

extension JobFixture {
    /// Runs `sql` on the home's catalog with the `sqlite3` tool, behind Lethe's back: the
    /// damage or hand edit a test needs Lethe to meet.
    func editCatalog(_ sql: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [homeURL.appendingPathComponent("catalog.sqlite").path, sql]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "sqlite3 refused: \(sql)")
    }
}
