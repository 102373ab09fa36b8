import ArgumentParser
import Foundation
import OrbitJournal
import OrbitSession

/// `orbit logs RUN_DIR TRIAL_ID_PREFIX [--stderr | --story]`: a trial's kept stdout (or
/// stderr), or its whole history from the journal.
struct LogsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "logs",
    abstract:
      "Print a trial's stdout (or --stderr) from its kept folder, newest attempt; or --story.")

  @Argument(help: "The run directory.")
  var runDir: String

  @Argument(help: "The trial's id, or its first few hex digits (as status and trials.csv show).")
  var trial: String

  @Flag(help: "Print stderr instead of stdout.")
  var stderr = false

  @Flag(
    help:
      "Print the trial's history from the journal instead: dispatches, worker losses, re-queues, retries, stops and its result, in time order."
  )
  var story = false

  @Option(
    help: "Where the workers kept trial folders (default: RUN_DIR/trials, as orbit run does).")
  var trialDir: String?

  func validate() throws {
    if story && stderr { throw ValidationError("--story and --stderr: give one") }
  }

  func run() throws {
    if story {
      let journal: Journal
      do { journal = try Journal(path: runDir + "/journal.sqlite", readOnly: true) } catch {
        throw fail(error.description, ExitStatus.noInput)
      }
      for line in try TrialStory.lines(journal: journal, prefix: trial) { print(line) }
      return
    }
    let root = trialDir ?? runDir + "/trials"
    let found = Result { () throws(SessionError) -> String in
      try TrialLogs.latestAttempt(root: root, prefix: trial)
    }
    switch found {
    case .success(let attempt):
      FileHandle.standardOutput.write(
        Data(TrialLogs.read(stderr ? "stderr" : "stdout", in: attempt).utf8))
    case .failure(let missing):
      // No kept folder here (a worker elsewhere without a shared --trial-dir): the journal
      // holds the last 4 KiB of each stream.
      guard missing.exitCode == ExitStatus.noInput, let record = journalRecord() else {
        throw missing
      }
      warn("no kept folder for trial \(record.id.short): the journal's last 4 KiB follow")
      print(stderr ? record.stderrTail : record.stdoutTail, terminator: "")
    }
  }

  /// The one recorded trial whose id starts with `trial`, if there is exactly one.
  private func journalRecord() -> TrialRecord? {
    let records = (try? Journal(path: runDir + "/journal.sqlite", readOnly: true).trials()) ?? []
    let matches = records.filter { $0.id.hex.hasPrefix(trial.lowercased()) }
    return matches.count == 1 ? matches[0] : nil
  }

}
