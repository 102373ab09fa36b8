import ArgumentParser

/// `orbit fit FILE.csv …`: fit a scaling law to any CSV (owned by the analysis work).
struct FitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fit", abstract: "Fit a scaling law to a CSV file.")
  func run() throws { throw ValidationError("orbit fit is not built yet") }
}
