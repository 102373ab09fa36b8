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
  /// The recorded trials' (start, end): the wall time is their union, as the report's.
  var intervals: [(start: Double, end: Double)] = []
  /// The terminal's width the summary fits.
  static let columns = 100

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
    intervals.append((trial.startedAt, trial.finishedAt))
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
    render(runDirectory: runDirectory, report: nil)
  }

  /// The sweep's one wall time: the time some trial ran, over every run of it (the report's
  /// `Reporting.sweepTimes`); before any trial, the time given.
  var sweepWallSeconds: Double {
    intervals.isEmpty ? wallSeconds : Reporting.unionSeconds(intervals)
  }

  /// The summary in at most `columns` columns: the best trial and the report's verdict first,
  /// then counts, times and where everything is. The full fit table is in report.html and
  /// fits.json (`verbose` prints it too).
  public func render(runDirectory: String, report: ReportOutput?, verbose: Bool = false)
    -> String
  {
    let width = Self.columns
    var lines: [String] = [""]
    if let metric, let best {
      lines.append(
        Self.clip(
          "  best \(metric.name) (\(metric.goal.rawValue)): \(String(format: "%.6g", best.value)) · trial \(best.trial.id.short) · \(best.trial.paramsJSON)",
          width))
    }
    if let report {
      if verbose {
        lines += report.table.split(separator: "\n", omittingEmptySubsequences: false).map(
          String.init)
      }
      lines += Self.wrap(report.rolesLine, width: width, first: "  ", rest: "    ")
      lines.append("  verdict:")
      for item in report.verdict {
        lines += Self.wrap(item, width: width, first: "    - ", rest: "      ")
      }
      let shown = report.warnings.prefix(Self.warningsShown)
      for warning in shown {
        lines += Self.wrap("warning: " + warning, width: width, first: "  ", rest: "    ")
      }
      if report.warnings.count > shown.count {
        lines.append(
          "  … \(report.warnings.count - shown.count) more warning(s) in report.html and fits.json")
      }
    }
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
      lines += Self.wrap(
        "\(n) trial(s) stopped early (early_terminate): their curves are kept; scaling fits"
          + " leave them out (the report names the scales they thin)",
        width: width, first: "  ", rest: "    ")
    }
    if let endedEarly { lines.append(Self.clip("  ended early: \(endedEarly)", width)) }
    var wall = "  wall time   \(Self.duration(sweepWallSeconds))"
    if let report {
      wall += " (trials running, over every run) · fitting \(Self.duration(report.fittingSeconds))"
    }
    lines.append(wall)
    if failures > 0 {
      lines.append("")
      lines.append("  \(failures) trial(s) failed. First failures (stderr tail):")
      for trial in failedExamples {
        // A program's stderr, escaped: an escape sequence in it must not reach the terminal.
        let tail = ControlText.escaped(
          trial.stderrTail.split(separator: "\n").suffix(2).joined(separator: " | "))
        lines.append(
          Self.clip(
            "    \(trial.id.short) \(trial.status.rawValue) exit \(trial.exitCode.map(String.init) ?? "-"): \(tail)",
            width))
      }
      lines.append(
        "  Re-run them with: orbit run \(ShellWord.quoted(specPath)) --run-dir \(ShellWord.quoted(runDirectory)) --retry-failed"
      )
    }
    lines.append("")
    lines.append("  journal  \(runDirectory)/journal.sqlite")
    lines.append("  results  \(runDirectory)/trials.csv")
    if FileManager.default.fileExists(atPath: runDirectory + "/report.html") {
      lines.append(
        "  report   \(runDirectory)/report.html"
          + (report != nil && !verbose ? " (every fit: fits.json, --verbose)" : ""))
    }
    return lines.joined(separator: "\n")
  }

  /// Warnings printed in full; the rest are counted (all are in report.html and fits.json).
  static let warningsShown = 4

  /// `text` cut to `width` characters, ending in "…" when cut.
  static func clip(_ text: String, _ width: Int) -> String {
    text.count <= width ? text : String(text.prefix(width - 1)) + "…"
  }

  /// `text` broken at spaces into lines of at most `width` characters, the first prefixed by
  /// `first`, the others by `rest` (a word longer than a line is cut).
  static func wrap(_ text: String, width: Int, first: String, rest: String) -> [String] {
    var lines: [String] = []
    var line = first
    var empty = true
    for word in text.split(separator: " ") {
      if !empty && line.count + 1 + word.count > width {
        lines.append(line)
        line = rest
        empty = true
      }
      line += (empty ? "" : " ") + word
      empty = false
    }
    lines.append(line)
    return lines.map { clip($0, width) }
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

/// What `orbit report` found, for the terminal: the roles, the verdict and the warnings (the
/// end-of-run summary leads with them), the full fit table (`--verbose`), and the times.
public struct ReportOutput: Sendable {
  /// "axes: width · tuned: lr … · groups: none — …".
  public var rolesLine: String
  /// Which `analysis:` was used ("the sweep's spec…", or the `--spec` file).
  public var source: String?
  public var verdict: [String]
  public var warnings: [String]
  /// Every fit with its interval, the tuned envelopes, comparisons, frontiers, the verdict.
  public var table: String
  /// The sweep's wall time (the union of its trials' intervals) and the fits' time.
  public var wallSeconds: Double
  public var fittingSeconds: Double

  /// What `orbit report` prints without `--verbose`: the roles, where the analysis came
  /// from, the verdict and the first warnings, in at most 100 columns.
  public var compact: String {
    var lines = Summary.wrap(rolesLine, width: Summary.columns, first: "", rest: "  ")
    if let source {
      lines += Summary.wrap(
        "analysis from " + source, width: Summary.columns, first: "", rest: "  ")
    }
    lines.append("verdict:")
    for item in verdict {
      lines += Summary.wrap(item, width: Summary.columns, first: "  - ", rest: "    ")
    }
    for warning in warnings.prefix(Summary.warningsShown) {
      lines += Summary.wrap("warning: " + warning, width: Summary.columns, first: "", rest: "  ")
    }
    if warnings.count > Summary.warningsShown {
      lines.append(
        "… \(warnings.count - Summary.warningsShown) more warning(s) in report.html and fits.json")
    }
    lines.append(
      "wall time \(Summary.duration(wallSeconds)) (trials running, over every run) · fitting "
        + Summary.duration(fittingSeconds))
    return lines.joined(separator: "\n")
  }
}
