import Foundation
import OrbitJournal
import OrbitSpec

/// A sweep at a glance, read from its journal alone: what `/api/sweep`, `orbit status --json`
/// and the dashboard's header show. The same whether the coordinator runs in this process, on
/// another host sharing the run directory, or has finished.
public struct SweepOverview: Codable, Sendable, Equatable {
  public struct Best: Codable, Sendable, Equatable {
    public var trial: String
    public var metric: String
    public var value: Double
    public var params: String
  }

  public var name: String
  public var id: String
  public var spec: String
  /// `running`, `finished`, `interrupted`, … as the journal says; `running` with `live` false
  /// means the coordinator stopped writing (killed, or its host unreachable).
  public var state: String
  public var live: Bool
  public var startedAt: Double
  public var finishedAt: Double?
  public var total: Int
  public var recorded: Int
  public var counts: [TrialStatus: Int]
  public var running: Int
  public var queued: Int
  public var workersConnected: Int
  public var workersSeen: Int
  public var slots: Int
  /// Trials recorded per second over the last minute.
  public var trialsPerSecond: Double
  /// Seconds until the last trial is recorded, from completed trials' mean duration and the
  /// connected slots; nil when nothing has completed yet or no worker is connected.
  public var etaSeconds: Double?
  /// The sweep's one wall time, as the report and the summary give it: the time some trial was
  /// running, over every run of it (`Reporting.unionSeconds` of the recorded trials); while a
  /// coordinator runs trials, its current run counts from its first connected worker's joining
  /// to now.
  public var wallSeconds: Double
  /// Slot-seconds spent on recorded trials, and the CPU seconds they reported.
  public var trialSeconds: Double
  public var cpuSeconds: Double?
  public var best: Best?
  /// Recorded trials whose row cannot be read (params or metrics not a JSON object): counted
  /// and listed (the first few ids) so the page flags them; everything else is served.
  public var unreadable = 0
  public var unreadableTrials: [String] = []
  public var updatedAt: Double

  /// The coordinator writes its live row about once a second; older than this, it is not live.
  public static let staleAfterSeconds = 10.0
  /// The window the rate is measured over.
  public static let rateWindowSeconds = 60.0

  /// Reads the latest sweep of `journal` as of `now` (seconds since 1970). One-off readers
  /// (`orbit status`) build the same `TrialIndex` the dashboard keeps up to date, so the two
  /// never disagree on a count, a rate or the best trial.
  /// - Throws: `SessionError` 66 when the journal holds no sweep, 74 when it cannot be read.
  public static func read(_ journal: Journal, now: Double = Date().timeIntervalSince1970)
    throws(SessionError) -> SweepOverview
  {
    do {
      guard let sweep = try journal.latestSweep() else {
        throw SessionError("\(journal.path): the journal holds no sweep yet", exitCode: 66)
      }
      var index = TrialIndex()
      try index.update(journal, sweep: sweep)
      return make(
        sweep: sweep, live: try journal.live(sweepID: sweep.id), workers: try journal.workers(),
        counts: index.counts, aggregates: index.aggregates(now: now), intervals: index.intervals,
        best: index.best, now: now)
    } catch let error as SessionError {
      throw error
    } catch {
      throw SessionError("\(journal.path): \(error)", exitCode: ExitStatus.ioError)
    }
  }

  /// The metric "best" means, and whether higher is better: the spec's, else test_loss.
  static func objective(_ sweep: SweepRecord) -> (metric: String, maximize: Bool) {
    let spec = try? Spec.parse(yaml: sweep.specText, fileName: sweep.specPath)
    return (spec?.metric?.name ?? "test_loss", spec?.metric?.goal == .maximize)
  }

  /// The overview from its parts, however they were read.
  package static func make(
    sweep: SweepRecord, live liveRow: LiveRecord?, workers: [WorkerRecord],
    counts: [TrialStatus: Int],
    aggregates: TrialAggregates, intervals: IntervalUnion = IntervalUnion(), best: Best?,
    now: Double
  ) -> SweepOverview {
    let live =
      sweep.finishedAt == nil && liveRow.map { now - $0.updatedAt <= staleAfterSeconds } == true
    let connected = live ? workers.filter { $0.leftAt == nil } : []
    let slots = connected.reduce(0) { $0 + $1.slots }
    let running = live ? liveRow?.running ?? 0 : 0
    // The current run: from its first worker's joining (workers of earlier runs were closed
    // when it started) to now, while trials run.
    let runStart = running > 0 ? connected.map(\.joinedAt).min() : nil
    let wall = runStart.map { intervals.seconds(adding: $0, now) } ?? intervals.seconds
    let window = min(rateWindowSeconds, max(1e-3, now - sweep.startedAt))
    let rate = sweep.finishedAt == nil ? Double(aggregates.recordedInWindow) / window : 0
    let remaining = max(0, sweep.trialCount - aggregates.recorded)
    return SweepOverview(
      name: sweep.name, id: sweep.id, spec: sweep.specPath, state: sweep.state, live: live,
      startedAt: sweep.startedAt, finishedAt: sweep.finishedAt, total: sweep.trialCount,
      recorded: aggregates.recorded, counts: counts, running: running,
      queued: live ? liveRow?.queued ?? 0 : 0, workersConnected: live ? liveRow?.workers ?? 0 : 0,
      workersSeen: workers.count, slots: slots, trialsPerSecond: rate,
      etaSeconds: live
        ? eta(
          remaining: remaining, running: running, meanSeconds: aggregates.meanCompletedSeconds,
          slots: slots) : nil,
      wallSeconds: wall, trialSeconds: aggregates.trialSeconds,
      cpuSeconds: aggregates.cpuSeconds, best: best, updatedAt: now)
  }

  /// Work left over the slots that do it: each queued trial costs the mean duration of those
  /// completed, each running one half of it (on average it is half done). Unlike extrapolating
  /// the rate of the first minute, this does not swing with the order trials happen to finish
  /// in, and it grows honestly when workers leave.
  static func eta(remaining: Int, running: Int, meanSeconds: Double?, slots: Int) -> Double? {
    guard let meanSeconds, slots > 0 else { return remaining == 0 ? 0 : nil }
    let queued = max(0, remaining - running)
    let work = (Double(queued) + Double(min(running, remaining)) / 2) * meanSeconds
    // The last trial to start still needs its own whole duration, however many slots idle.
    let tail = queued > 0 ? meanSeconds : running > 0 ? meanSeconds / 2 : 0
    return max(work / Double(slots), tail)
  }
}
