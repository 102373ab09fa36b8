import Foundation
import OrbitJournal
import OrbitSpec

/// The table printed when a sweep ends: counts by status, the best trial, wall time, and the
/// first failures.
public struct Summary {
  var counts: [TrialStatus: Int] = [:]
  var total: Int
  var best: (trial: TrialRecord, value: Double)?
  var metric: Metric?
  var wallSeconds: Double
  /// The first few failed trials, in journal order, whose stderr the summary shows.
  var failedExamples: [TrialRecord] = []
  static let failedExampleCount = 3
  /// Why the sweep ended before its grid did (`metric.target` reached), if it did.
  var endedEarly: String?
  /// The spec's path as the user gave it: the re-run hint is a command to paste.
  var specPath = "SPEC"

  /// A summary of no trials yet, for a sweep of `spec`; `add` counts each recorded trial.
  init(spec: Spec, wallSeconds: Double) {
    total = spec.trialCount
    metric = spec.metric
    self.wallSeconds = wallSeconds
  }

  /// The summary of every trial recorded in `journal`, read in one streaming pass.
  init(journal: Journal, spec: Spec, wallSeconds: Double) throws(SessionError) {
    self.init(spec: spec, wallSeconds: wallSeconds)
    var summary = self
    do {
      try journal.forEachTrial { summary.add($0) }
      summary.endedEarly = try journal.events(kind: "target_reached").first?.detail
    } catch {
      throw SessionError(error.description, exitCode: ExitStatus.ioError)
    }
    self = summary
  }

  mutating func add(_ trial: TrialRecord) {
    counts[trial.status, default: 0] += 1
    if failedExamples.count < Self.failedExampleCount, trial.status.isFailure {
      failedExamples.append(trial)
    }
    guard let metric, trial.status == .ok,
      case .object(let m) = try? ParamValue.parseJSON(trial.metricsJSON),
      let v = m[metric.name]?.doubleValue, v.isFinite
    else { return }
    let better = best.map { metric.goal == .minimize ? v < $0.value : v > $0.value } ?? true
    if better { best = (trial, v) }
  }

  /// Trials whose status is a failure (`TrialStatus.isFailure`): nonzero makes the exit code 1.
  public var failures: Int {
    counts.filter { $0.key.isFailure }.values.reduce(0, +)
  }

  public func render(runDirectory: String) -> String {
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
    if let n = counts[.stopped], n > 0 {
      lines.append(
        "  \(n) trial(s) stopped early (early_terminate): their curves are kept; scaling fits leave them out"
      )
    }
    if let endedEarly { lines.append("  ended early: \(endedEarly)") }
    lines.append("  wall time   \(Self.duration(wallSeconds))")
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
      lines.append(
        "  Re-run them with: orbit run \(ShellWord.quoted(specPath)) --run-dir \(ShellWord.quoted(runDirectory)) --retry-failed"
      )
    }
    lines.append("")
    lines.append("  journal  \(runDirectory)/journal.sqlite")
    lines.append("  results  \(runDirectory)/trials.csv")
    if FileManager.default.fileExists(atPath: runDirectory + "/report.html") {
      lines.append("  report   \(runDirectory)/report.html")
    }
    return lines.joined(separator: "\n")
  }

  /// A duration as the summary and the progress line write it: 4.2s, 3m07s, 2h05m.
  public static func duration(_ seconds: Double) -> String {
    if seconds < 60 { return String(format: "%.1fs", seconds) }
    if seconds < 3600 {
      return "\(Int(seconds) / 60)m\(String(format: "%02d", Int(seconds) % 60))s"
    }
    return "\(Int(seconds) / 3600)h\(String(format: "%02d", (Int(seconds) % 3600) / 60))m"
  }
}
