import ArgumentParser
import Foundation
import LetheCore
import LetheJobs

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Create a Lethe home.")

    @OptionGroup var options: HomeOptions

    @Option(help: "The source root: one folder per customer.")
    var source: String

    @Option(help: "The retention policy file (default: the built-in default policy, copied into the home).")
    var policy: String?

    @Option(help: "The local store folder (default: HOME/store).")
    var store: String?

    @Option(name: .customLong("key-mirror"), help: "A further key directory mirroring HOME/keys (repeatable).")
    var keyMirrors: [String] = []

    func run() throws {
        let home = try options.homeURL()
        let clock = try SystemClock()
        let configuration = try HomeSetup.create(.init(home: home, source: URL(fileURLWithPath: source),
                                                       policy: policy.map { URL(fileURLWithPath: $0) },
                                                       store: store.map { URL(fileURLWithPath: $0) },
                                                       keyMirrors: keyMirrors.map { URL(fileURLWithPath: $0) }),
                                                 now: clock.now())
        if options.json {
            try Output.json(configuration)
        } else {
            print("Created Lethe home \(home.path)")
            print("  source  \(configuration.source)")
            print("  store   \(configuration.store)")
            print("  policy  \(configuration.policy)")
            print("  keys    \(configuration.keyDirectories.joined(separator: ", "))")
            print("Keep a copy of the key-encryption key safe (`lethe keys escrow`): losing every key directory loses every backup.")
        }
    }
}
