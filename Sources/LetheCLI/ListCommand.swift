import ArgumentParser
import Foundation
import LetheCore
import LetheJobs

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List sets or archive copies.")

    enum What: String, ExpressibleByArgument { case sets, archives }

    @Argument(help: "sets or archives")
    var what: What

    @OptionGroup var options: HomeOptions

    @Option(help: "Only this customer's copies, or the sets holding one; '-' reads the id's exact bytes from standard input.")
    var customer: String?

    func run() throws {
        let inventory = Inventory(home: try options.open(requiringPolicy: false))
        let id = try customer.map(CustomerArgument.id)
        switch what {
        case .sets:
            let sets = try inventory.sets(customer: id)
            if options.json { return try Output.json(sets) }
            Output.table(["SET", "CREATED", "CLASS", "CUSTOMERS", "FAILED", "STATE"],
                         sets.map { [$0.set, $0.created, $0.class, String($0.customers), String($0.failed), $0.state] })
        case .archives:
            let copies = try inventory.copies(customer: id)
            if options.json { return try Output.json(copies) }
            Output.table(["PSEUDONYM", "SET", "CLASS", "LOCATION", "DELETE-BY", "STATE", "BYTES", "FINDING"],
                         copies.map { [$0.pseudonym, $0.set, $0.class, $0.location, $0.delete_by, $0.state, String($0.bytes), $0.finding ?? "-"] })
        }
    }
}
