import ArgumentParser
import Foundation
import OrbitCompute
import OrbitSession

/// The Orbit command line: parses arguments, wires modules, prints, and picks exit codes; the
/// application logic is OrbitSession's.
struct Orbit: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "orbit",
    abstract: "A distributed sweep coordinator for scaling studies.",
    discussion: """
      One machine:   orbit run examples/quickstart.yaml
      Many machines: orbit coordinator spec.yaml --bind tcp://0.0.0.0:5555   (login node)
                     orbit worker --connect tcp://LOGIN:5555                  (each compute node)
      """,
    version: OrbitVersion.current,
    subcommands: [
      RunCommand.self, CoordinatorCommand.self, WorkerCommand.self, PlanCommand.self,
      StatusCommand.self, ExportCommand.self, ReportCommand.self, FitCommand.self,
      TrialCommand.self, KeysCommand.self, LogsCommand.self, ServeCommand.self,
    ])
}

enum OrbitVersion {
  static let current = "0.1.0"
}

// OpenBLAS reads OPENBLAS_CORETYPE and OPENBLAS_NUM_THREADS only while loading: set them, once.
OpenBLASCore.reexecWithRequiredSettingsIfNeeded()
// `Orbit.main()`, plus the modules' errors: each is printed as `error: message` and ends the
// process with the code `ExitStatus.code(for:)` maps it to.
do {
  var command = try Orbit.parseAsRoot()
  try command.run()
} catch {
  if let code = ExitStatus.code(for: error) {
    Orbit.exit(withError: fail("\(error)", code))
  }
  Orbit.exit(withError: error)
}
