import ArgumentParser
import Foundation
import LetheCore
import LetheJobs

/// `--home DIR` (or LETHE_HOME) and `--json`, shared by every subcommand.
struct HomeOptions: ParsableArguments {
    @Option(name: .long, help: "The Lethe home (default: $LETHE_HOME).")
    var home: String?

    @Flag(name: .long, help: "Print machine-readable JSON.")
    var json = false

    @Flag(name: .long, help: "On a terminal, log every customer and copy too (JSON logs always hold them).")
    var verbose = false

    /// The home folder named on the command line or in the environment.
    func homeURL() throws -> URL {
        guard let path = home ?? ProcessInfo.processInfo.environment["LETHE_HOME"], !path.isEmpty else {
            throw ValidationError("no home given: pass --home DIR or set LETHE_HOME")
        }
        return URL(fileURLWithPath: path)
    }

    /// Opens the home with the system clock (or LETHE_NOW) and the standard log. Commands that plan
    /// no retention and write no copies pass `requiringPolicy: false`: an invalid policy then warns.
    func open(requiringPolicy: Bool = true) throws -> Home {
        try Home(url: homeURL(), clock: SystemClock(), log: EventLog.standard(verbose: verbose), requiringPolicy: requiringPolicy)
    }
}

/// A customer id argument (see `CustomerArgument`: `-` reads the id's bytes from standard input).
struct CustomerOption: ParsableArguments {
    @Option(name: .long, help: "The customer id (their folder name under the source root); '-' reads its exact bytes from standard input (one trailing newline stripped).")
    var customer: String

    /// Whether the id comes from standard input.
    var readsStandardInput: Bool { customer == CustomerArgument.standardInput }

    /// The id; reads standard input for `-` (call once).
    func id() throws -> CustomerID { try CustomerArgument.id(customer) }
}

/// Which copy to read: `--set ID|latest` and `--from local|offsite`.
struct CopyOption: ParsableArguments {
    @Option(help: "The set id, or 'latest'.")
    var set: String = "latest"

    @Option(help: "Where to read from: local or offsite (default: local; offsite when the local copy is missing or fails authentication).")
    var from: Location?

    /// The set asked for; nil means the latest.
    var setID: SetID? { self.set == "latest" ? nil : SetID(self.set) }
}

extension Location: ExpressibleByArgument {}
