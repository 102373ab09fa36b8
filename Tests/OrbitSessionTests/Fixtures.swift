import Foundation
import OrbitJournal
import OrbitSpec
import OrbitTesting

/// A recorded trial as the journal returns it, with only what a test cares about given.
func record(
  _ id: TrialID, index: Int = 0, params: String = "{}", status: TrialStatus = .ok,
  attempt: Int = 1, worker: String = "w1", wallSeconds: Double = 1.5, metrics: String = "{}",
  stderr: String = "", exitCode: Int? = nil
) -> TrialRecord {
  TrialRecord(
    id: id, index: index, paramsJSON: params, status: status, attempt: attempt, worker: worker,
    startedAt: 100, finishedAt: 100 + wallSeconds, wallSeconds: wallSeconds, metricsJSON: metrics,
    stderrTail: stderr, exitCode: exitCode)
}

/// The journal entry that records `trial` as `status` (index and parameters the spec's).
func entry(
  _ trial: Trial, _ status: TrialStatus = .ok, metrics: String = "{}", stderr: String = "",
  exitCode: Int? = nil
) -> JournalEntry {
  JournalEntry(
    outcome: TrialOutcome(
      trialID: trial.id, index: trial.index, attempt: 1, status: status, metricsJSON: metrics,
      wallSeconds: 0.25, startedAt: 100, stderrTail: stderr, exitCode: exitCode),
    index: trial.index, paramsJSON: trial.paramsJSON, workerID: "w1", finishedAt: 101)
}

/// A command-runner spec over `a` (one trial per value), minimising `loss`.
func commandSpecText(values: [Int], program: String = "x.py") -> String {
  let list = values.map(String.init).joined(separator: ", ")
  return """
    method: grid
    program: \(program)
    metric: {name: loss, goal: minimize}
    parameters:
      a: {values: [\(list)]}
    """
}

func spec(_ yaml: String, fileName: String = "s.yaml") throws -> Spec {
  try Spec.parse(yaml: yaml, fileName: fileName)
}

/// Records a sweep of `specText` with `results` in a new journal at `directory/journal.sqlite`,
/// as a coordinator that ran them would have left it.
func recordSweep(
  in directory: String, specText: String, specPath: String = "s.yaml", state: String = "finished",
  results: (Spec) -> [JournalEntry]
) throws {
  let spec = try Spec.parse(yaml: specText, fileName: specPath)
  let journal = try Journal(path: directory + "/journal.sqlite")
  let id = try journal.beginSweep(
    name: "s", specPath: specPath, specText: specText, fingerprint: spec.fingerprint,
    trialCount: spec.trialCount, now: 100)
  try journal.record(results(spec), sweepID: id)
  try journal.finishSweep(id: id, state: state, now: 200)
  try journal.close()
}

extension Sandbox {
  /// Writes `text` to `file` and returns its path.
  func file(_ file: String, _ text: String) throws -> String {
    try write(file, text)
    return "\(path)/\(file)"
  }

  func exists(_ file: String) -> Bool {
    FileManager.default.fileExists(atPath: "\(path)/\(file)")
  }
}
