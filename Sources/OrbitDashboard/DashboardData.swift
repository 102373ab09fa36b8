import Foundation
import OrbitAnalysis
import OrbitJournal
import OrbitSession
import OrbitSpec

/// Everything the dashboard shows, as JSON, read from a run directory's journal (read-only; WAL
/// readers never block the coordinator writing it). The HTTP layer only routes to these.
///
/// Thread-safe: one journal connection behind a lock (each query takes milliseconds), and the
/// live analysis refitted on a thread of its own so no request waits for a bootstrap.
public final class DashboardData: @unchecked Sendable {
  public let runDirectory: String
  private let lock = NSLock()
  private let journal: Journal
  private let analysis: LiveAnalysis

  /// Rows a trials page may hold.
  public static let maxPageSize = 500
  /// Failures `/api/errors` lists.
  public static let errorsShown = TrialIndex.failuresKept
  /// Running trials whose curves `/api/curves` adds to the latest recorded ones.
  public static let runningCurvesShown = 10
  /// Bins of the workers' timeline (the Gantt strip): its size is fixed, whatever the sweep.
  public static let timelineBins = 120

  /// - Throws: `SessionError` 66 when RUN_DIR has no journal.
  public init(runDirectory: String) throws(SessionError) {
    self.runDirectory = runDirectory
    let path = runDirectory + "/journal.sqlite"
    do {
      journal = try Journal(path: path, readOnly: true)
    } catch {
      throw SessionError(error.description, exitCode: ExitStatus.noInput)
    }
    let damage: String?
    do { damage = try journal.quickDamage() } catch {
      throw SessionError(error.description, exitCode: ExitStatus.ioError)
    }
    if let damage {
      throw SessionError(
        "\(path) is damaged (\(damage)); serving it would show wrong figures. Restore it from a copy, or move it away.",
        exitCode: ExitStatus.ioError)
    }
    analysis = LiveAnalysis(runDirectory: runDirectory)
  }

  /// Totals over the trials, brought up to date at most every `indexRefreshSeconds`: the
  /// page's burst of requests shares one look at the journal.
  private var index = TrialIndex()
  private var indexedAt = -Double.infinity
  private var sweep: SweepRecord?
  static let indexRefreshSeconds = 0.5

  /// The sweep and the index, current (call with the lock held, inside `withJournal`).
  private func current(_ journal: Journal) throws -> (SweepRecord, TrialIndex) {
    let now = ProcessInfo.processInfo.systemUptime
    if let sweep, now - indexedAt < Self.indexRefreshSeconds { return (sweep, index) }
    guard let latest = try journal.latestSweep() else {
      throw SessionError("\(journal.path): the journal holds no sweep yet", exitCode: 66)
    }
    try index.update(journal, sweep: latest)
    sweep = latest
    indexedAt = now
    return (latest, index)
  }

  private func overview(_ journal: Journal) throws -> SweepOverview {
    let (sweep, index) = try current(journal)
    let now = Date().timeIntervalSince1970
    var overview = SweepOverview.make(
      sweep: sweep, live: try journal.live(sweepID: sweep.id), workers: try journal.workers(),
      counts: index.counts, aggregates: index.aggregates(now: now), intervals: index.intervals,
      best: index.best, now: now)
    overview.unreadable = index.unreadable
    overview.unreadableTrials = index.unreadableIDs
    return overview
  }

  private func withJournal<T>(_ body: (Journal) throws -> T) throws(SessionError) -> T {
    lock.lock()
    defer { lock.unlock() }
    do { return try body(journal) } catch let error as SessionError {
      throw error
    } catch {
      throw SessionError("\(runDirectory): \(error)", exitCode: ExitStatus.ioError)
    }
  }

  /// Reads the journal's trials into the index now, so that the first page load does not
  /// pay for it (`orbit serve` calls it before printing its URL).
  public func warmUp() {
    _ = try? withJournal { try current($0) }
    _ = analysis.groupColumns()
  }

  /// `/api/sweep`.
  public func overview() throws(SessionError) -> SweepOverview {
    try withJournal { try overview($0) }
  }

  /// `/api/workers`: every worker seen, connected first.
  public func workers() throws(SessionError) -> [WorkerOverview] {
    try withJournal { journal in
      let overview = try overview(journal)
      return try WorkerOverview.make(journal, overview: overview, counts: index.byWorker)
    }
  }

  /// `/api/timeline`: busy slot-seconds per worker and bin since the sweep started.
  public func timeline() throws(SessionError) -> Timeline {
    try withJournal { journal in
      let overview = try overview(journal)
      let end = overview.finishedAt ?? overview.updatedAt
      let bins = index.timeline(start: overview.startedAt, end: end, bins: Self.timelineBins)
      let slots = Dictionary(
        try journal.workers().map { ($0.id, $0.slots) }, uniquingKeysWith: max)
      return Timeline(
        start: JSONNumber(overview.startedAt), end: JSONNumber(end), bins: Self.timelineBins,
        binSeconds: JSONNumber((end - overview.startedAt) / Double(Self.timelineBins)),
        workers: slots.sorted { $0.key < $1.key }.map {
          Timeline.Worker(id: $0.key, slots: $0.value)
        },
        busy: bins.map {
          Timeline.Busy(worker: $0.worker, bin: $0.bin, busySeconds: JSONNumber($0.busySeconds))
        })
    }
  }

  /// `/api/trials?status=&family=&sort=&offset=&limit=`: one page, and how many match.
  /// - Parameter query: `status` (comma-separated), `family` (a label from `/api/figures`),
  ///   `sort` (`index`, `status`, `wall_seconds`, … or `param.NAME`, `metric.NAME`; a leading
  ///   `-` sorts descending), `offset`, `limit` (at most `maxPageSize`).
  /// - Throws: `SessionError` 64 for a bad query, naming what is accepted.
  public func trials(_ query: [String: String]) throws(SessionError) -> TrialsPage {
    let groups = analysis.groupColumns()
    var trialQuery = try Self.parse(query, groupColumns: groups)
    return try withJournal { journal in
      var page = TrialsPage(
        total: 0, offset: trialQuery.offset, limit: trialQuery.limit, groupColumns: groups,
        trials: [])
      if let label = query["family"], !label.isEmpty {
        // A label no trial's values make matches no trial.
        guard let values = try family(label, groupColumns: groups, journal) else { return page }
        trialQuery.parameters = values
      }
      trialQuery.knownTotal = try current(journal).1.recorded
      let (total, rows) = try journal.trials(matching: trialQuery)
      page.total = total
      page.trials = rows.map { Self.row($0, groupColumns: groups, detail: false) }
      return page
    }
  }

  /// `/api/trials/ID` (a full id or a unique prefix of at least 8 hex digits): parameters,
  /// metrics, output tails and learning curve. Nil when no recorded trial has that id.
  public func trial(id text: String) throws(SessionError) -> TrialRow? {
    let groups = analysis.groupColumns()
    return try withJournal { journal -> TrialRow? in
      guard let trial = try journal.trial(idPrefix: text.lowercased()) else { return nil }
      var row = Self.row(trial, groupColumns: groups, detail: true)
      row.curve = try journal.progressPoints(of: trial.id).map {
        TrialRow.CurvePoint(step: $0.step, metrics: RawJSON(object: $0.metricsJSON) ?? .emptyObject)
      }
      return row
    }
  }

  /// `/api/errors`: the latest failed, timed-out and lost trials with their messages.
  public func errors() throws(SessionError) -> ErrorsPage {
    let groups = analysis.groupColumns()
    return try withJournal { journal in
      _ = try current(journal)
      return ErrorsPage(
        trials: try journal.trials(rowIDs: index.latestFailures(Self.errorsShown)).map {
          Self.row($0, groupColumns: groups, detail: true)
        })
    }
  }

  /// `/api/figures`: the live scaling plots (SVG), verdict, warnings, and how fresh they are.
  /// Never waits for a refit: it returns the latest and starts the next if trials landed.
  public func figures() -> LiveFigures { figures(analysis.latest()) }

  /// `/api/figures` once a refit has finished (started now if none runs), waiting up to
  /// `timeout` seconds: for tests and scripts that need the fit, not the latest.
  public func figures(waitingUpTo timeout: Double) -> LiveFigures {
    _ = analysis.latest()
    return figures(analysis.waitForRefit(timeout: timeout))
  }

  /// A refit's figures; while there is no fit, what the page waits for, from the journal's
  /// counts now (not the last refit's): "waiting for the first ok trial" only while there is
  /// none, else that the first fit of the ok trials is being computed. Never a fit of 0 trials.
  private func figures(_ result: LiveAnalysis.Result) -> LiveFigures {
    guard result.pending else { return result.figures }
    let counts = (try? withJournal { try current($0).1 }).map { ($0.counts[.ok] ?? 0, $0.recorded) }
    let (ok, recorded) = counts ?? (0, 0)
    var figures = LiveFigures.pending(recorded: recorded)
    figures.waiting = Self.waitingText(ok: ok)
    figures.ok = ok
    return figures
  }

  /// What the scaling section says before its first fit, with `ok` ok trials recorded.
  static func waitingText(ok: Int) -> String {
    ok == 0
      ? "waiting for the first ok trial"
      : "fitting \(ok) ok trial\(ok == 1 ? "" : "s")… (the live fit runs at low priority and"
        + " appears here when it is done)"
  }

  /// `/api/fits`: fits.json as it stands now (the final one once the sweep has finished).
  public func fitsJSON() -> String { analysis.latest().fitsJSON }

  /// `/api/curves?family=`: learning curves of the family's latest trials, as the report's
  /// SVG section: each family in its colour (the live fit's `Analysis.familyColor`, the
  /// report's), within it a ramp by scale, legends by family and by scale.
  public func curves(family: String?) throws(SessionError) -> LearningCurves {
    let settings = analysis.settings()
    let fitted = analysis.analysis()
    let groups = settings.groupBy
    let metric = settings.y
    return try withJournal { journal in
      var query = TrialQuery()
      query.sort = .column("recorded")
      query.descending = true
      query.limit = 40
      var trials: [TrialRecord] = []
      if let family, !family.isEmpty {
        // A label no trial's values make has no curves.
        if let values = try self.family(family, groupColumns: groups, journal) {
          query.parameters = values
          trials = try journal.trials(matching: query).page
        }
      } else {
        trials = try journal.trials(matching: query).page
      }
      var curves: [LearningCurve] = []
      var metricsSeen: [String: Int] = [:]
      // (recorded trial or nil, id, points): recorded trials, and without a family filter the
      // trials still running (their parameters are not in the journal until they end).
      var decoded: [(TrialRecord?, TrialID, [(Double, [String: ParamValue])])] = []
      func add(_ id: TrialID, trial: TrialRecord?) throws {
        let points = try journal.progressPoints(of: id).map {
          (Double($0.step), TrialsCSV.object($0.metricsJSON))
        }
        for (_, m) in points { for key in m.keys { metricsSeen[key, default: 0] += 1 } }
        decoded.append((trial, id, points))
      }
      for trial in trials { try add(trial.id, trial: trial) }
      if family?.isEmpty ?? true {
        for id in try journal.unrecordedProgressTrials(limit: Self.runningCurvesShown) {
          try add(id, trial: nil)
        }
      }
      let chosen =
        metricsSeen[metric] != nil
        ? metric : metricsSeen.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key ?? metric
      for (trial, id, points) in decoded {
        let values = points.compactMap { step, m in
          m[chosen]?.doubleValue.map { (step: step, value: $0) }
        }
        guard !values.isEmpty else { continue }
        curves.append(
          trial.map { Reporting.curve($0, points: values, settings: settings) }
            ?? LearningCurve(family: Self.runningFamily, trial: id.short, points: values))
      }
      let svg = LiveFigure.learningCurves(
        curves, metric: chosen, analysis: fitted, settings: settings)
      return LearningCurves(metric: chosen, trials: curves.count, html: svg)
    }
  }

  /// The learning curves' family of trials still running (or to run again): the journal has
  /// their points but not yet their parameters. Drawn grey, never in a family's colour.
  static let runningFamily = "running (or to run again)"

  // MARK: Families

  /// The families the journal's trials make over `groupColumns`, by label, with the typed
  /// values each stands for; read again when trials land or the columns change.
  private var families: (key: String, byLabel: [String: [(name: String, value: ParamValue)]])?

  /// The parameter values of the family labelled `label` (`[]`: every trial, for "all"); nil
  /// when no recorded trial's values make that label. Call with the lock held.
  private func family(_ label: String, groupColumns: [String], _ journal: Journal) throws
    -> [(name: String, value: ParamValue)]?
  {
    guard !groupColumns.isEmpty, label != "all" else { return [] }
    let key = groupColumns.joined(separator: "\u{0}") + "\u{0}\(try current(journal).1.recorded)"
    if families?.key != key {
      var byLabel: [String: [(name: String, value: ParamValue)]] = [:]
      for values in try journal.distinctParameterValues(groupColumns) {
        let label = Reporting.familyLabel(
          Dictionary(
            zip(groupColumns, values).compactMap { name, value in value.map { (name, $0) } },
            uniquingKeysWith: { first, _ in first }), groupColumns: groupColumns)
        // A row without a group column has no value to filter by there.
        byLabel[label] = zip(groupColumns, values).compactMap { name, value in
          value.map { (name: name, value: $0) }
        }
      }
      families = (key, byLabel)
    }
    return families?.byLabel[label]
  }

  // MARK: Rows

  static func row(_ t: TrialRecord, groupColumns: [String], detail: Bool) -> TrialRow {
    TrialRow(
      t, family: Reporting.familyLabel(TrialsCSV.object(t.paramsJSON), groupColumns: groupColumns),
      detail: detail)
  }

  static func parse(_ query: [String: String], groupColumns: [String]) throws(SessionError)
    -> TrialQuery
  {
    var q = TrialQuery()
    func bad(_ what: String) -> SessionError {
      SessionError(what, exitCode: ExitStatus.usage)
    }
    if let status = query["status"], !status.isEmpty {
      for name in status.split(separator: ",") {
        guard let s = TrialStatus(rawValue: String(name)) else {
          throw bad(
            "status '\(name)' is not one of \(TrialStatus.allCases.map(\.rawValue).joined(separator: ", "))"
          )
        }
        q.statuses.append(s)
      }
    }
    if var sort = query["sort"], !sort.isEmpty {
      if sort.hasPrefix("-") {
        q.descending = true
        sort.removeFirst()
      }
      if sort.hasPrefix("param.") {
        q.sort = .parameter(String(sort.dropFirst(6)))
      } else if sort.hasPrefix("metric.") {
        q.sort = .metric(String(sort.dropFirst(7)))
      } else if TrialQuery.columns[sort] != nil {
        q.sort = .column(sort)
      } else {
        throw bad(
          "sort '\(sort)' is not a column (\(TrialQuery.columns.keys.sorted().joined(separator: ", "))), param.NAME or metric.NAME"
        )
      }
    }
    for (key, minimum) in [("offset", 0), ("limit", 1)] {
      guard let text = query[key], !text.isEmpty else { continue }
      guard let n = Int(text), n >= minimum else {
        throw bad("\(key) must be a whole number ≥ \(minimum), got '\(text)'")
      }
      if key == "offset" { q.offset = n } else { q.limit = min(n, maxPageSize) }
    }
    return q
  }
}
