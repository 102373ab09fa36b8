import CSupport
import Foundation
import OrbitAnalysis
import OrbitJournal
import OrbitSession
import OrbitSpec

/// The analysis of a sweep as it runs, refitted on a thread of its own when trials land: the
/// dashboard's scaling plots, verdict and fits.json. Requests never wait for it; they get the
/// latest result, and the first one starts it.
///
/// While the sweep runs the bootstrap draws `liveResamples` on one thread (the coordinator's
/// host has work to do); once it has finished, the spec's full count.
final class LiveAnalysis: @unchecked Sendable {
  struct Result: Sendable {
    var figures: LiveFigures
    var fitsJSON: String
    /// The settings of the refit (what a family is, the metric, the axes).
    var settings: AnalysisSettings
    /// The refit itself (its colours: `Analysis.familyColor`); nil before the first fit.
    var analysis: Analysis?
    /// No fit yet: before the first refit, or no ok trial at the last one.
    var pending: Bool
    var groupColumns: [String] { settings.groupBy }
    var metric: String { settings.y }
  }

  /// Resamples of a live refit: enough for a band that means something, few enough to refit
  /// every few seconds.
  static let liveResamples = 200
  /// Refits start at least this far apart, and at least 8 × the last refit's duration, so the
  /// dashboard takes at most an eighth of a core — at nice 19, only what the sweep leaves idle.
  static let minimumIntervalSeconds = 5.0
  /// The refit thread's nice value while the sweep runs: its own processes always come first.
  static let niceness: Int32 = 19

  private let runDirectory: String
  private let lock = NSLock()
  private var result = Result(
    figures: .pending(recorded: 0),
    fitsJSON: #"{"pending":true}"#, settings: AnalysisSettings(y: "test_loss", xs: []),
    analysis: nil, pending: true)
  private var running = false
  private var lastStart = -Double.infinity
  private var lastDuration = 0.0
  /// What the last refit saw: (trials recorded, sweep finished, with the full resample count).
  private var lastSeen: (Int, Bool, Bool)?

  init(runDirectory: String) { self.runDirectory = runDirectory }

  func latest() -> Result {
    lock.withLock { latestLocked() }
  }

  /// `latest()` with the lock held.
  private func latestLocked() -> Result {
    let now = ProcessInfo.processInfo.systemUptime
    if !running && now - lastStart >= max(Self.minimumIntervalSeconds, 8 * lastDuration) {
      running = true
      lastStart = now
      let thread = Thread { [self] in self.refresh() }
      thread.name = "orbit-live-analysis"
      thread.start()
    }
    return result
  }

  /// The analysis's group columns (what a family is) and its metric: the latest refit's, or,
  /// before the first, the settings inferred from the spec and the first trials recorded.
  func groupColumns() -> [String] { settings().groupBy }
  func metric() -> String { settings().y }

  /// The latest refit's analysis (nil before the first): its colours are the report's.
  func analysis() -> Analysis? { latest().analysis }

  private var early: AnalysisSettings?
  /// The latest refit's settings, or before the first, those inferred from the spec and the
  /// first trials recorded.
  func settings() -> AnalysisSettings {
    let (current, refitted) = lock.withLock { (latestLocked(), lastSeen != nil) }
    if refitted { return current.settings }
    if let early = lock.withLock({ early }) { return early }
    var query = TrialQuery()
    query.limit = 1000
    guard let journal = try? Journal(path: runDirectory + "/journal.sqlite", readOnly: true),
      let sweep = try? journal.latestSweep(), let (_, first) = try? journal.trials(matching: query)
    else { return current.settings }
    let spec = try? Spec.parse(yaml: sweep.specText, fileName: sweep.specPath)
    let settings = Reporting.analysisSettings(spec: spec, table: TrialsCSV.table(first))
    // Kept only once trials exist: the columns of an empty table say nothing yet.
    if !first.isEmpty { lock.withLock { early = settings } }
    return settings
  }

  /// Waits (up to `timeout` seconds) for a refit that has seen at least `recorded` trials:
  /// for tests and `orbit serve --once`.
  func waitForRefit(timeout: Double) -> Result {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      let done = lock.withLock { !running && lastSeen != nil }
      if done { break }
      usleep(50_000)
    }
    return lock.withLock { result }
  }

  /// Trials a live refit uses at most.
  static let maxLiveFitTrials = 4000

  /// Every k-th trial by the hash of its id (ids are SHA-256 digests), so that about `limit`
  /// rows stay; the table itself when it is small enough.
  static func sample(_ table: Table, trials: [TrialRecord], limit: Int) -> Table {
    guard trials.count > limit else { return table }
    let stride = UInt64((trials.count + limit - 1) / limit)
    let keep = trials.map {
      UInt64($0.id.hex.prefix(12), radix: 16).map { $0 % stride == 0 } ?? true
    }
    return Table(
      columns: table.columns, rows: table.rows.indices.filter { keep[$0] }.map { table.rows[$0] })
  }

  /// The trials read so far (rows after `loadedRowID` are read on the next refit), for the
  /// sweep `loadedSweep`.
  private var loaded: [TrialRecord] = []
  private var loadedRowID: Int64 = 0
  private var loadedSweep = ""

  private func refresh() {
    let started = ProcessInfo.processInfo.systemUptime
    defer {
      lock.withLock {
        running = false
        lastDuration = ProcessInfo.processInfo.systemUptime - started
      }
    }
    guard let journal = try? Journal(path: runDirectory + "/journal.sqlite", readOnly: true),
      let sweep = try? journal.latestSweep(),
      let recorded = try? journal.trialCount()
    else { return }
    defer { try? journal.close() }
    let finished = sweep.finishedAt != nil
    // Nice 19 while trials run, so they always come first; a finished sweep has none, and a
    // page opened on it (`orbit serve`) waited behind any other work of the machine's for its
    // first fit ("fitting 45 ok trials…" for 8 s at load 10). Each refit is a new thread, so
    // the lowered priority never outlives the run that needed it.
    if !finished { _ = orbit_lower_thread_priority(Self.niceness) }
    let previous = lock.withLock { lastSeen }
    // Live: few resamples on one thread, the coordinator's host has trials to run. Finished:
    // the full count on every core — after a quick first fit, so a page opened on a finished
    // sweep shows its curves at once.
    let full = finished && previous != nil
    if let (seen, wasFinished, wasFull) = previous, seen == recorded, wasFinished == finished,
      wasFull == full || wasFull
    {
      return
    }
    // Only the rows appended since the last refit are read; a shorter table than expected
    // (failures forgotten by a resume) or another sweep reads it all again.
    if loadedSweep != sweep.id || (try? journal.trialCount()) ?? 0 < loaded.count {
      loaded = []
      loadedRowID = 0
      loadedSweep = sweep.id
    }
    guard let fresh = try? journal.trials(afterRowID: loadedRowID) else { return }
    for (rowID, trial) in fresh {
      loaded.append(trial)
      loadedRowID = max(loadedRowID, rowID)
    }
    let trials = loaded
    let table = TrialsCSV.table(
      trials, points: (try? TrialsCSV.DataPoints(journal: journal)) ?? TrialsCSV.DataPoints())
    let spec = try? Spec.parse(yaml: sweep.specText, fileName: sweep.specPath)
    var settings = Reporting.analysisSettings(spec: spec, table: table)
    settings.threads = full ? settings.threads : 1
    if !full { settings.bootstrap = min(settings.bootstrap, Self.liveResamples) }
    // A live refit on every trial of a large sweep would take minutes: it fits a sample of
    // them (the same trials each time, chosen by their ids' hashes so no grid period aliases
    // with it), and the plot still shows them all. The final fit uses every trial.
    let fitted = full ? table : Self.sample(table, trials: trials, limit: Self.maxLiveFitTrials)
    // No fit before an ok trial with the metric: a fit of 0 trials says only that its columns
    // are missing ("column val_loss is not in the table"). The page waits instead.
    guard trials.contains(where: { $0.status == .ok }) else {
      lock.withLock {
        result = Result(
          figures: .pending(recorded: recorded),
          fitsJSON: #"{"pending":true}"#, settings: settings, analysis: nil, pending: true)
        lastSeen = (recorded, finished, full)
      }
      return
    }
    let analysis = Analysis.run(table: fitted, settings: settings)
    let metadata = SweepMetadata(
      name: sweep.name, specText: sweep.specText,
      countsByStatus: Dictionary(grouping: trials, by: \.status.rawValue).mapValues(\.count),
      workers: [],
      wallSeconds: Reporting.sweepTimes(trials).wall,
      createdAt: ISO8601DateFormatter().string(from: Date()))
    let families = Set(
      trials.map {
        Reporting.familyLabel(TrialsCSV.object($0.paramsJSON), groupColumns: settings.groupBy)
      }
    ).sorted()
    var figures = LiveFigures.pending(recorded: recorded)
    figures.pending = false
    figures.finished = finished
    figures.final = full
    figures.fittedTrials = fitted.rows.count
    figures.resamples = settings.bootstrap
    figures.y = settings.y
    figures.groupColumns = settings.groupBy
    figures.families = families
    figures.figures = analysis.liveFigures(table: table).map {
      LiveFigures.Figure(
        axis: $0.axis, points: $0.points, trials: $0.trials, aggregated: $0.aggregated, svg: $0.svg)
    }
    figures.verdict = analysis.verdict
    figures.verdictItems = analysis.verdictItems
    figures.warnings = analysis.warnings
    figures.computedAt = JSONNumber(Date().timeIntervalSince1970)
    let fits = analysis.fitsJSON(metadata: metadata)
    lock.withLock {
      result = Result(
        figures: figures, fitsJSON: fits, settings: settings, analysis: analysis,
        pending: false)
      lastSeen = (recorded, finished, full)
    }
  }
}
