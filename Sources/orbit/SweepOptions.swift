import ArgumentParser
import OrbitSession

/// The spec and the run-directory options `orbit run` and `orbit coordinator` share: which
/// sweep, where it is kept, how a recorded one is continued, and the report at the end.
struct SweepOptions: ParsableArguments {
  @Argument(help: "The sweep spec (YAML).")
  var spec: String

  @Option(help: "Where the journal, logs and outputs go (default: runs/<spec name>).")
  var runDir: String?

  @Flag(help: "Run again the trials that failed, timed out or were lost in an earlier run.")
  var retryFailed = false

  @Flag(
    help:
      "Start a new sweep in the run directory even if the spec does not continue the recorded one (that journal is kept beside it)."
  )
  var newSweep = false

  @Option(help: "Refuse a spec with more trials than this (a typo'd grid).")
  var maxTrials: Int = SweepSession.defaultMaxTrials

  @Flag(
    help:
      "Skip the analysis report at the end (report.html, fits.json; for orbit coordinator trials.csv too)."
  )
  var noReport = false

  @Flag(help: "Print every fit at the end (they are always in report.html and fits.json).")
  var verbose = false

  func validate() throws {
    try OptionChecks.count(maxTrials, "--max-trials", min: 1)
  }

  /// Opens the sweep these options name (see `SweepSession.init`).
  /// - Throws: `SessionError` with the exit code of what went wrong.
  func openSession() throws -> SweepSession {
    try SweepSession(
      specPath: spec, runDirectory: runDir, retryFailed: retryFailed, newSweep: newSweep,
      maxTrials: maxTrials)
  }
}
