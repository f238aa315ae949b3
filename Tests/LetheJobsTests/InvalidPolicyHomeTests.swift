import Foundation
import LetheCore
import LetheJobs
import LethePolicy
import Testing

/// A home opened without requiring its policy (the recovery commands) reports an invalid policy
/// as an error wherever the policy is asked for, never as a trap.
@Suite struct InvalidPolicyHomeTests {
    @Test func readingAnInvalidPolicyThrowsItsError() throws {
        let fixture = try JobFixture(customers: ["acme": ["a.txt": Array("a".utf8)]])
        let home = try fixture.home()
        try Data("name: [unclosed\n".utf8).write(to: URL(fileURLWithPath: home.configuration.policy))
        #expect(throws: PolicyError.self) { try fixture.home() }
        let relaxed = try Home(url: fixture.homeURL, clock: fixture.clock, log: EventLog(style: .silent), requiringPolicy: false)
        #expect(throws: PolicyError.self) { _ = try relaxed.policy }
        #expect(throws: PolicyError.self) { _ = try BackupJob(home: relaxed).run() }
    }
}
