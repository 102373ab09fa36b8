import ArgumentParser

struct Orbit: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "orbit",
    abstract: "A distributed sweep coordinator for scaling studies.",
    subcommands: [FitCommand.self])
}

Orbit.main()
