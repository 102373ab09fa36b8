import Foundation
import OrbitJournal
import OrbitSpec

/// The dashboard's running totals over a journal's trials, brought up to date by reading only
/// the rows appended since the last look (trials are append-only while a coordinator runs): a
/// poll of a 100,000-trial sweep costs the new rows, not 100,000 JSON parses. Rows removed
/// (`--retry-failed` between runs) or another sweep in the file start it over.
package struct TrialIndex {
  private(set) var sweepID = ""
  private(set) var metric = ""
  private var maximize = false
  private var lastRowID: Int64 = 0
  package private(set) var recorded = 0
  package private(set) var counts: [TrialStatus: Int] = [:]
  private(set) var trialSeconds = 0.0
  private(set) var cpuSeconds: Double?
  private var completedSeconds = 0.0
  private var completedCount = 0
  package private(set) var best: SweepOverview.Best?
  /// Finish times of the trials recorded in the last rate window (pruned on read).
  private var recent: [Double] = []
  package private(set) var byWorker: [String: (done: Int, failed: Int)] = [:]
  /// (worker, start, end) of every trial, for the timeline: 24 bytes a trial.
  private var workerNames: [String] = []
  private var workerNumbers: [String: Int32] = [:]
  private var spans: [(worker: Int32, start: Double, end: Double)] = []
  /// The union of the trials' (start, end): the sweep's wall time, as the report's.
  package private(set) var intervals = IntervalUnion()
  /// Rows whose params or metrics are not JSON objects (hand-edited, or an old version's): each
  /// is shown flagged, never a failed page. The first few ids, and how many.
  package private(set) var unreadable = 0
  package private(set) var unreadableIDs: [String] = []
  static let unreadableIDsKept = 20
  /// Failures kept (what `/api/errors` lists).
  package static let failuresKept = 50
  /// Rowids of the latest failures, newest last.
  private(set) var failures: [(finishedAt: Double, rowID: Int64)] = []

  /// When the row count was last compared with the journal's (monotonic seconds).
  private var countedAt = -Double.infinity
  /// Rows are removed only when a coordinator starts (`--retry-failed`): counting them every
  /// few seconds catches it without a full count on every poll.
  static let recountSeconds = 10.0
  private var specText = ""

  package init() {}

  /// Reads what was appended since the last call (or everything, after a reset).
  package mutating func update(_ journal: Journal, sweep: SweepRecord) throws(JournalError) {
    if sweep.id != sweepID || sweep.specText != specText {
      // The spec is parsed once per sweep (its grid can be large), not on every poll.
      let (metric, maximize) = SweepOverview.objective(sweep)
      self = TrialIndex()
      sweepID = sweep.id
      specText = sweep.specText
      self.metric = metric
      self.maximize = maximize
    }
    let fresh = try journal.trialSummaries(afterRowID: lastRowID, metric: metric)
    let now = ProcessInfo.processInfo.systemUptime
    var mustRecount = false
    if now - countedAt >= Self.recountSeconds {
      countedAt = now
      mustRecount = try journal.trialCount() != recorded + fresh.count
    }
    if mustRecount {
      // Rows went away (or the file was replaced): count again from the start.
      let keep = (sweep.id, metric, maximize, specText, countedAt)
      self = TrialIndex()
      (sweepID, self.metric, self.maximize, specText, countedAt) = keep
      try add(journal.trialSummaries(afterRowID: 0, metric: metric))
      return
    }
    add(fresh)
  }

  private mutating func add(_ rows: [TrialSummary]) {
    for row in rows {
      lastRowID = max(lastRowID, row.rowID)
      recorded += 1
      if !row.readable {
        unreadable += 1
        if unreadableIDs.count < Self.unreadableIDsKept { unreadableIDs.append(row.id) }
      }
      counts[row.status, default: 0] += 1
      trialSeconds += row.wallSeconds
      if let cpu = row.cpuSeconds { cpuSeconds = (cpuSeconds ?? 0) + cpu }
      if row.status == .ok || row.status == .diverged || row.status == .stopped {
        completedSeconds += row.wallSeconds
        completedCount += 1
      }
      if row.status == .ok, let value = row.metric, value.isFinite {
        let better = best.map { maximize ? value > $0.value : value < $0.value } ?? true
        if better {
          best = SweepOverview.Best(
            trial: row.id, metric: metric, value: value, params: row.paramsJSON)
        }
      }
      recent.append(row.finishedAt)
      var tally = byWorker[row.worker] ?? (0, 0)
      tally.done += 1
      if row.status.isFailure {
        tally.failed += 1
        failures.append((row.finishedAt, row.rowID))
      }
      byWorker[row.worker] = tally
      let number: Int32
      if let known = workerNumbers[row.worker] {
        number = known
      } else {
        number = Int32(workerNames.count)
        workerNames.append(row.worker)
        workerNumbers[row.worker] = number
      }
      spans.append((number, row.startedAt, row.finishedAt))
      intervals.insert(start: row.startedAt, end: row.finishedAt)
    }
    if failures.count > 2 * Self.failuresKept {
      failures.sort { $0.finishedAt < $1.finishedAt }
      failures.removeFirst(failures.count - Self.failuresKept)
    }
    if let latest = recent.last {
      recent.removeAll { $0 <= latest - SweepOverview.rateWindowSeconds }
    }
  }

  /// The aggregates `SweepOverview.make` takes, as of `now`.
  package func aggregates(now: Double) -> TrialAggregates {
    var result = TrialAggregates()
    result.recorded = recorded
    let inWindow = recent.filter { $0 > now - SweepOverview.rateWindowSeconds }
    result.recordedInWindow = inWindow.count
    result.firstInWindow = inWindow.min()
    result.meanCompletedSeconds =
      completedCount > 0 ? completedSeconds / Double(completedCount) : nil
    result.trialSeconds = trialSeconds
    result.cpuSeconds = cpuSeconds
    return result
  }

  /// The latest `limit` failures' rowids, newest first.
  package func latestFailures(_ limit: Int) -> [Int64] {
    failures.sorted { $0.finishedAt > $1.finishedAt }.prefix(limit).map(\.rowID)
  }

  /// Busy slot-seconds per worker in `bins` equal bins of [start, end].
  package func timeline(start: Double, end: Double, bins: Int) -> [TimelineBin] {
    guard end > start, bins > 0 else { return [] }
    let width = (end - start) / Double(bins)
    var busy = [[Double]](repeating: [], count: workerNames.count)
    for span in spans {
      let from = max(start, span.start)
      let to = min(end, span.end)
      guard to > from else { continue }
      if busy[Int(span.worker)].isEmpty {
        busy[Int(span.worker)] = [Double](repeating: 0, count: bins)
      }
      var bin = min(bins - 1, Int((from - start) / width))
      while bin < bins {
        let binStart = start + Double(bin) * width
        let overlap = min(to, binStart + width) - max(from, binStart)
        if overlap <= 0 { break }
        busy[Int(span.worker)][bin] += overlap
        bin += 1
      }
    }
    return workerNames.indices.sorted { workerNames[$0] < workerNames[$1] }.flatMap { w in
      busy[w].enumerated().compactMap { bin, seconds in
        seconds > 0 ? TimelineBin(worker: workerNames[w], bin: bin, busySeconds: seconds) : nil
      }
    }
  }
}

/// Busy time of one worker in one bin of the sweep's timeline.
package struct TimelineBin: Sendable, Equatable {
  package var worker: String
  package var bin: Int
  /// Slot-seconds of trials that ran in the bin.
  package var busySeconds: Double
}
