import GRDB
import OrbitSpec

/// One write the coordinator asks of its journal thread.
public enum JournalJob: Sendable {
  /// Results, recorded with `finished_at = receivedAt`: the wall-clock time the coordinator
  /// received them (the state machine runs on a monotonic clock, so its entries' times are not
  /// dates). Receipt, not commit: a trial's time does not depend on how the journal groups writes.
  case results([JournalEntry], receivedAt: Double)
  /// A learning-curve point of `workerID`'s run. The first point per (trial, attempt, step)
  /// is kept, as early stopping keeps it: a restarted coordinator replays the rows in the order
  /// they were written and rebuilds exactly the histories it had.
  case progress(trialID: TrialID, attempt: Int, step: Int, metricsJSON: String, workerID: String)
  /// Early stopping asked the worker running this attempt to stop it.
  case stopRequested(trialID: TrialID, attempt: Int)
  /// `gpus`: each GPU slot's devices, `;`-separated (`0;1`, `0,1;2,3`), or empty.
  case workerJoined(id: String, host: String, pid: Int, slots: Int, gpus: String, now: Double)
  case workerLeft(id: String, reason: String, now: Double)
  /// `stimulus`: the coordinator's id of the input that caused it (`StimulusID`), or nil.
  case event(
    kind: String, trialID: TrialID?, workerID: String?, detail: String, now: Double,
    stimulus: Int64? = nil)
  /// The live snapshot `orbit status` reads; `busy`: trials each connected worker holds.
  /// `endedRuns`/`deaths`: the loss judge's counts, restored by a restarted coordinator.
  case live(
    running: Int, queued: Int, workers: Int, busy: [String: Int] = [:], endedRuns: Int = 0,
    deaths: Int = 0, now: Double)
}

extension Journal {
  /// Applies every job in one transaction: a group commit, one fsync for the lot.
  ///
  /// Returns, for each `.results` job in order, which entries were recorded (false: duplicate).
  public func apply(_ jobs: [JournalJob], sweepID: String)
    throws(JournalError) -> [[Bool]]
  {
    try write("\(jobs.count) journal updates") { db in
      var inserted: [[Bool]] = []
      for job in jobs {
        switch job {
        case .results(let entries, let receivedAt):
          inserted.append(
            try Self.insert(entries, sweepID: sweepID, recordedAt: receivedAt, in: db))
        case .progress(let trialID, let attempt, let step, let metrics, let workerID):
          try db.execute(
            sql: """
              INSERT OR IGNORE INTO progress (trial_id, attempt, step, metrics, worker)
              VALUES (?, ?, ?, ?, ?)
              """,
            arguments: [trialID.hex, attempt, step, metrics, workerID])
        case .stopRequested(let trialID, let attempt):
          try db.execute(
            sql: "INSERT OR IGNORE INTO stop_requests (trial_id, attempt) VALUES (?, ?)",
            arguments: [trialID.hex, attempt])
        case .workerJoined(let id, let host, let pid, let slots, let gpus, let now):
          try db.execute(
            sql: """
              INSERT INTO workers (id, host, pid, slots, gpus, joined_at) VALUES (?, ?, ?, ?, ?, ?)
              ON CONFLICT(id) DO UPDATE SET host = excluded.host, pid = excluded.pid,
                slots = excluded.slots, gpus = excluded.gpus, joined_at = excluded.joined_at,
                left_at = NULL, left_reason = NULL
              """, arguments: [id, host, pid, slots, gpus, now])
        case .workerLeft(let id, let reason, let now):
          try db.execute(
            sql: "UPDATE workers SET left_at = ?, left_reason = ? WHERE id = ?",
            arguments: [now, reason, id])
        case .event(let kind, let trialID, let workerID, let detail, let now, let stimulus):
          // Cached: the coordinator writes one per dispatch.
          try db.cachedStatement(
            sql: """
              INSERT INTO events (at, kind, trial_id, worker_id, detail, stimulus)
              VALUES (?, ?, ?, ?, ?, ?)
              """
          ).execute(arguments: [now, kind, trialID?.hex, workerID, detail, stimulus])
        case .live(let running, let queued, let workers, let busy, let ended, let deaths, let now):
          try db.execute(
            sql: """
              INSERT OR REPLACE INTO live
                (sweep_id, updated_at, running, queued, workers, ended_runs, deaths)
              VALUES (?, ?, ?, ?, ?, ?, ?)
              """,
            arguments: [sweepID, now, running, queued, workers, ended, deaths])
          try db.execute(sql: "UPDATE workers SET busy = 0 WHERE busy != 0")
          for (id, n) in busy where n > 0 {
            try db.execute(sql: "UPDATE workers SET busy = ? WHERE id = ?", arguments: [n, id])
          }
        }
      }
      return inserted
    }
  }
}
