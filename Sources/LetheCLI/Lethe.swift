import ArgumentParser

@main
struct Lethe: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lethe", abstract: "Per-customer encrypted backups with crypto-shredding.")
}
