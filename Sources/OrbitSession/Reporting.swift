import Foundation
import OrbitAnalysis
import OrbitJournal
import OrbitSpec

/// Turns a run directory's journal into trials.csv, report.html and fits.json.
public enum Reporting {
  /// Writes report.html and fits.json from the run directory's journal and returns the fits'
  /// full terminal table (`orbit coordinator`; `orbit run` and `orbit report` print
  /// `ReportOutput.compact` unless `--verbose`).
  public static func writeReport(runDirectory: String, writeCSV: Bool) throws(SessionError)
    -> String
  {
    try report(runDirectory: runDirectory, writeCSV: writeCSV).table
  }

  /// Writes report.html and fits.json from the run directory's journal.
  /// - Parameters:
  ///   - writeCSV: also write trials.csv (`orbit report`); `orbit run` has written it already
  ///     when the sweep finished (`SweepSession.finish`), from the same journal.
  ///   - specPath: a spec file whose `analysis:` (and `metric:`) replace the journal's copy of
  ///     the sweep's spec (`orbit report --spec FILE`): re-analysis without re-running. The
  ///     journal keeps the spec the sweep ran with; the report says which analysis it used.
  /// - Throws: "no report for RUN_DIR: why" with code 65 (66 for a missing `specPath`); `orbit
  ///   run` prints it as a warning (the sweep's results stand regardless).
  public static func report(runDirectory: String, writeCSV: Bool, specPath: String? = nil)
    throws(SessionError) -> ReportOutput
  {
    var edited: Spec?
    if let specPath {
      guard let text = try? String(contentsOfFile: specPath, encoding: .utf8) else {
        throw SessionError("\(specPath): cannot read the spec", exitCode: ExitStatus.noInput)
      }
      do {
        edited = try Spec.parse(yaml: text, fileName: specPath)
      } catch {
        throw SessionError(error.description, exitCode: ExitStatus.badData)
      }
      // A typo under analysis: is refused as `orbit run` refuses it, not silently ignored.
      try SpecLoading.validateAnalysis(edited!, text: text)
    }
    do {
      let journal = try Journal(path: runDirectory + "/journal.sqlite", readOnly: true)
      let trials = try journal.trials()
      let sweep = try journal.latestSweep()
      let dataPoints = try TrialsCSV.DataPoints(journal: journal)
      if writeCSV {
        try TrialsCSV.render(trials, points: dataPoints).write(
          toFile: runDirectory + "/trials.csv", atomically: true, encoding: .utf8)
      }
      let table = TrialsCSV.table(trials, points: dataPoints)
      let recorded = sweep.flatMap { try? Spec.parse(yaml: $0.specText, fileName: $0.specPath) }
      var settings = analysisSettings(spec: edited ?? recorded, table: table)
      var notes: [String] = []
      if let specPath, let edited {
        settings.source =
          "\(specPath) (orbit report --spec; the sweep ran with the spec in its journal)"
        let mine = Set(edited.parameterNames)
        if let recorded, mine != Set(recorded.parameterNames) {
          notes.append(
            "\(specPath) sweeps \(mine.sorted().joined(separator: ", ")), the journal's sweep "
              + Set(recorded.parameterNames).sorted().joined(separator: ", ")
              + ": only its analysis: and metric: are used, on the trials the journal has")
        }
      } else if sweep != nil {
        settings.source = "the sweep's spec, as its journal keeps it"
      }
      let workers = ((try? journal.workers()) ?? []).map { w in
        w.gpus.isEmpty
          ? w.id : "\(w.id) (\(w.slots) slots, GPUs \(w.gpus.joined(separator: " | ")))"
      }
      let times = sweepTimes(trials)
      var metadata = SweepMetadata(
        name: sweep?.name ?? "sweep", specText: sweep?.specText ?? "",
        countsByStatus: Dictionary(grouping: trials, by: \.status.rawValue).mapValues(\.count),
        workers: workers,
        wallSeconds: times.wall, createdAt: ISO8601DateFormatter().string(from: Date()))
      metadata.cpuSeconds = times.cpu
      metadata.cpuMeasuredTrials = times.measured
      metadata.warnings =
        notes
        + ((try? journal.events(kind: "insecure")) ?? []).map {
          "\($0.detail): anyone on that network could have joined this sweep or written results"
        }
      let points = (try? journal.progressPoints()) ?? []
      (metadata.curves, metadata.curveMetric) = learningCurves(
        points, trials: trials, settings: settings)
      let started = Date()
      let analysis = Analysis.run(table: table, settings: settings)
      metadata.fittingSeconds = Date().timeIntervalSince(started)
      let report = Report.build(analysis: analysis, metadata: metadata)
      try report.html.write(
        toFile: runDirectory + "/report.html", atomically: true, encoding: .utf8)
      try report.fitsJSON.write(
        toFile: runDirectory + "/fits.json", atomically: true, encoding: .utf8)
      return ReportOutput(
        rolesLine: settings.rolesLine, source: settings.source, verdict: analysis.verdictItems,
        warnings: notes + analysis.warnings, table: report.summary,
        wallSeconds: times.wall, fittingSeconds: metadata.fittingSeconds ?? 0)
    } catch {
      throw SessionError("no report for \(runDirectory): \(error)", exitCode: ExitStatus.badData)
    }
  }

  /// The length of the union of `intervals` (start, end): the time at least one of them was
  /// open. The one wall time of a sweep, everywhere it is shown.
  public static func unionSeconds(_ intervals: [(start: Double, end: Double)]) -> Double {
    IntervalUnion(intervals).seconds
  }

  /// The sweep's time over every run of it (a resumed sweep included): wall = the time some
  /// trial was running (the union of the trials' intervals, so the idle gap between a stop and
  /// its resume does not count, and the runs before a resume do); CPU = the trials' summed
  /// `cpu_seconds` where they report it (the core engine), else their wall time.
  package static func sweepTimes(_ trials: [TrialRecord]) -> (
    wall: Double, cpu: Double, measured: Int
  ) {
    let wall = unionSeconds(trials.map { ($0.startedAt, $0.finishedAt) })
    var cpu = 0.0
    var measured = 0
    for trial in trials {
      if case .object(let metrics)? = try? ParamValue.parseJSON(trial.metricsJSON),
        let seconds = metrics["cpu_seconds"]?.doubleValue, seconds.isFinite
      {
        cpu += seconds
        measured += 1
      } else {
        cpu += trial.wallSeconds
      }
    }
    return (wall, cpu, measured)
  }

  /// The trials' learning curves of one metric — the analysis's y if the points log it, else
  /// the metric they log most — each in its family (its group columns' values).
  static func learningCurves(
    _ points: [ProgressPoint], trials: [TrialRecord], settings: AnalysisSettings
  ) -> ([LearningCurve], String) {
    guard !points.isEmpty else { return ([], "") }
    var decoded: [(TrialID, Double, [String: ParamValue])] = []
    var frequency: [String: Int] = [:]
    for point in points {
      guard case .object(let metrics)? = try? ParamValue.parseJSON(point.metricsJSON) else {
        continue
      }
      for (key, value) in metrics where value.doubleValue != nil { frequency[key, default: 0] += 1 }
      decoded.append((point.trialID, Double(point.step), metrics))
    }
    let metric =
      frequency[settings.y] != nil
      ? settings.y : frequency.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key ?? ""
    guard !metric.isEmpty else { return ([], "") }
    var byTrial: [TrialID: [(step: Double, value: Double)]] = [:]
    for (id, step, metrics) in decoded {
      if let value = metrics[metric]?.doubleValue, value.isFinite {
        byTrial[id, default: []].append((step, value))
      }
    }
    let curves = trials.compactMap { trial -> LearningCurve? in
      guard let points = byTrial[trial.id], !points.isEmpty else { return nil }
      return curve(trial, points: points, settings: settings)
    }
    return (curves, metric)
  }

  /// `trial`'s learning curve as the report and the dashboard draw it: in its family (the
  /// analysis's group label, "0.01" or "all"), coloured by its value of the first axis (a
  /// parameter such as width, else a metric such as n_params).
  package static func curve(
    _ trial: TrialRecord, points: [(step: Double, value: Double)], settings: AnalysisSettings
  ) -> LearningCurve {
    let params = TrialsCSV.object(trial.paramsJSON)
    let family = familyLabel(params, groupColumns: settings.groupBy)
    let scale = settings.xs.first.flatMap { axis in
      (params[axis] ?? TrialsCSV.object(trial.metricsJSON)[axis])?.doubleValue
        .flatMap { $0.isFinite && $0 > 0 ? (axis: axis, value: $0) : nil }
    }
    return LearningCurve(family: family, trial: trial.id.short, points: points, scale: scale)
  }

  /// Every family label a grid sweep can have, in label order: the product of the spec's
  /// values of the group columns (each read from the trials that vary only it), so that
  /// colours do not move as a live sweep's families get their first ok trials. nil for a
  /// random search, a group column that is not a swept parameter, or more than 256 labels.
  /// A family's label, as the analysis, the report and `/api/figures` name it: the group
  /// columns' values joined by " / " ("all" without group columns).
  package static func familyLabel(_ params: [String: ParamValue], groupColumns: [String])
    -> String
  {
    groupColumns.isEmpty
      ? "all" : groupColumns.map { params[$0].map(TrialsCSV.cell) ?? "" }.joined(separator: " / ")
  }

  static func familyOrder(spec: Spec, groupBy: [String]) -> [String]? {
    guard spec.method == .grid, !groupBy.isEmpty, spec.trialCount > 0 else { return nil }
    let dimensions = spec.gridDimensions
    var labels = [""]
    for column in groupBy {
      guard let d = dimensions.firstIndex(where: { $0.names.contains(column) }) else {
        return nil
      }
      let stride = dimensions[(d + 1)...].reduce(1) { $0 * $1.count }
      var values: [String] = []
      for k in 0..<dimensions[d].count {
        guard k * stride < spec.trialCount else { return nil }
        let params = TrialsCSV.object(spec.trial(at: k * stride).paramsJSON)
        guard let value = params[column] else { return nil }
        let cell = TrialsCSV.cell(value)
        if !values.contains(cell) { values.append(cell) }
      }
      labels = labels.flatMap { prefix in
        values.map { prefix.isEmpty ? $0 : prefix + " / " + $0 }
      }
      guard labels.count <= 256 else { return nil }
    }
    return labels.sorted(by: labelPrecedes)
  }

  /// The keys `analysis:` may have (docs/ANALYSIS.md); any other is refused at load with 65.
  public static let analysisKeys: Set<String> = [
    "y", "x", "group", "seed", "bootstrap", "level", "compare", "baseline", "tune", "select",
  ]

  /// The spec's `analysis:` mapping over inferred defaults: y is the spec's metric (or test_loss).
  package static func analysisSettings(spec: Spec?, table: Table) -> AnalysisSettings {
    var y = spec?.metric?.name ?? "test_loss"
    var config: [String: ParamValue] = [:]
    if case .object(let o) = spec?.analysis { config = o }
    if case .string(let s) = config["y"] { y = s }
    let parameters = spec.map { Set($0.parameterNames).subtracting(["seed"]) }
    var settings = AnalysisSettings.inferred(from: table, y: y, parameters: parameters)
    if spec?.earlyTermination != nil { settings.earlyTermination = "hyperband" }
    settings.explicitKeys = analysisKeys.filter { config[$0] != nil }.sorted()
    let inferredTune = settings.tune
    let explicitXs = strings(config["x"])
    let explicitGroups = strings(config["group"])
    if let tune = strings(config["tune"]) {
      // Inferred axes and groups never include a tuned column; explicit ones that do are
      // warned about by the analysis. Columns inferred as tuned that the block does not tune
      // are group columns again.
      settings.tune = tune
      settings.tuneInferred = false
      settings.select = "val_loss"
      settings.xs.removeAll(where: tune.contains)
      settings.groupBy.removeAll(where: tune.contains)
      settings.groupBy += inferredTune.filter { !tune.contains($0) }
    } else if settings.tuneInferred {
      // A column the block names as an axis or a group is not tuned.
      let named = (explicitXs ?? []) + (explicitGroups ?? [])
      settings.tune.removeAll(where: named.contains)
      if settings.tune.isEmpty { settings.tuneInferred = false }
    }
    if case .string(let s) = config["select"] { settings.select = s }
    if let xs = explicitXs { settings.xs = xs }
    if let groups = explicitGroups { settings.groupBy = groups }
    if case .string(let s) = config["seed"] { settings.seedColumn = s }
    if case .int(let n) = config["bootstrap"] { settings.bootstrap = Int(n) }
    if let level = config["level"]?.doubleValue { settings.level = level }
    if case .string(let s) = config["compare"] { settings.compareColumn = s }
    if let baseline = config["baseline"] {
      switch baseline {
      case .string(let s): settings.baseline = s
      case .int(let n): settings.baseline = "\(n)"
      case .double(let d): settings.baseline = "\(d)"
      case .bool(let b): settings.baseline = "\(b)"
      default: break
      }
    }
    if let spec { settings.familyOrder = familyOrder(spec: spec, groupBy: settings.groupBy) }
    return settings
  }

  private static func strings(_ value: ParamValue?) -> [String]? {
    switch value {
    case .string(let s): return [s]
    case .list(let list): return list.compactMap { if case .string(let s) = $0 { s } else { nil } }
    default: return nil
    }
  }
}
