import ArgumentParser
import Foundation
import OrbitJournal
import OrbitSpec

/// The table printed when a sweep ends: counts by status, the best trial, wall time.
struct Summary {
  var counts: [TrialStatus: Int]
  var total: Int
  var best: (trial: TrialRecord, value: Double)?
  var metric: Metric?
  var wallSeconds: Double
  var failedExamples: [TrialRecord]

  init(journal: Journal, spec: Spec, wallSeconds: Double) throws(ExitCode) {
    total = spec.trialCount
    metric = spec.metric
    self.wallSeconds = wallSeconds
    var counts: [TrialStatus: Int] = [:]
    var failed: [TrialRecord] = []
    var bestSoFar: (trial: TrialRecord, value: Double)?
    let metric = spec.metric
    do {
      try journal.forEachTrial { trial in
        counts[trial.status, default: 0] += 1
        if failed.count < 3, trial.status.isFailure {
          failed.append(trial)
        }
        guard let metric, trial.status == .ok,
          case .object(let m) = try? ParamValue.parseJSON(trial.metricsJSON),
          let v = m[metric.name]?.doubleValue, v.isFinite
        else { return }
        let better =
          bestSoFar.map { metric.goal == .minimize ? v < $0.value : v > $0.value } ?? true
        if better { bestSoFar = (trial, v) }
      }
    } catch {
      throw fail(error.description, Exit.ioError)
    }
    self.counts = counts
    failedExamples = failed
    best = bestSoFar
  }

  var failures: Int {
    counts.filter { $0.key.isFailure }.values.reduce(0, +)
  }

  func render(runDirectory: String) -> String {
    var lines: [String] = []
    let recorded = counts.values.reduce(0, +)
    lines.append("")
    lines.append("  status      trials")
    for status in TrialStatus.allCases {
      if let n = counts[status], n > 0 {
        lines.append(
          "  " + status.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0) + " "
            + String(n))
      }
    }
    lines.append("  total       \(recorded) of \(total)")
    lines.append("  wall time   \(ProgressDisplay.duration(wallSeconds))")
    if let metric, let best {
      lines.append(
        "  best \(metric.name) (\(metric.goal.rawValue)): \(best.value) · trial \(best.trial.id.short) · \(best.trial.paramsJSON)"
      )
    }
    if failures > 0 {
      lines.append("")
      lines.append("  \(failures) trial(s) failed. First failures (stderr tail):")
      for trial in failedExamples {
        let tail = trial.stderrTail.split(separator: "\n").suffix(2).joined(separator: " | ")
        lines.append(
          "    \(trial.id.short) \(trial.status.rawValue) exit \(trial.exitCode.map(String.init) ?? "-"): \(tail)"
        )
      }
      lines.append("  Re-run them with: orbit run SPEC --run-dir \(runDirectory) --retry-failed")
    }
    lines.append("")
    lines.append("  journal  \(runDirectory)/journal.sqlite")
    lines.append("  results  \(runDirectory)/trials.csv")
    if FileManager.default.fileExists(atPath: runDirectory + "/report.html") {
      lines.append("  report   \(runDirectory)/report.html")
    }
    return lines.joined(separator: "\n")
  }
}
