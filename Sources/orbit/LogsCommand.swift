import ArgumentParser
import Foundation
import OrbitSession

/// `orbit logs RUN_DIR TRIAL_ID_PREFIX [--stderr]`: a trial's kept stdout (or stderr).
struct LogsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "logs",
    abstract: "Print a trial's stdout (or --stderr) from its kept folder, newest attempt.")

  @Argument(help: "The run directory.")
  var runDir: String

  @Argument(help: "The trial's id, or its first few hex digits (as status and trials.csv show).")
  var trial: String

  @Flag(help: "Print stderr instead of stdout.")
  var stderr = false

  @Option(
    help: "Where the workers kept trial folders (default: RUN_DIR/trials, as orbit run does).")
  var trialDir: String?

  func run() throws {
    let attempt = try TrialLogs.latestAttempt(
      root: trialDir ?? runDir + "/trials", prefix: trial)
    FileHandle.standardOutput.write(
      Data(TrialLogs.read(stderr ? "stderr" : "stdout", in: attempt).utf8))
  }
}
