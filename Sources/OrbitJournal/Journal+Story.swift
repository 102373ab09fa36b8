import Foundation
import GRDB
import OrbitSpec

/// One moment of a trial's history, as the journal holds it (`orbit logs --story`).
public struct StoryEntry: Sendable, Equatable {
  /// Wall-clock seconds since 1970.
  public var at: Double
  /// The event's kind as stored (`dispatched`, `requeued`, `worker_left`, …), or `result`.
  public var kind: String
  public var workerID: String?
  public var detail: String
  /// The coordinator's id of the input that caused it; nil in rows written before issue 26.
  public var stimulus: Int64?
  /// A row about no trial that shares a stimulus with one of this trial's rows: the cause of
  /// what happened to it (the `worker_left` behind its re-queue).
  public var isCause: Bool
}

extension Journal {
  /// The highest stimulus id any row holds (0 when none): a restarted coordinator continues
  /// after it, so ids stay unique within the journal.
  public func lastStimulus() throws(JournalError) -> Int64 {
    try read("stimulus ids") { db in
      try Int64.fetchOne(
        db,
        sql: """
          SELECT max(coalesce((SELECT max(stimulus) FROM events), 0),
                     coalesce((SELECT max(stimulus) FROM trials), 0))
          """) ?? 0
    }
  }

  /// Ids of the trials whose id starts with `prefix` (lowercase hex digits) that have a
  /// result or an event, in order.
  public func trialIDs(startingWith prefix: String) throws(JournalError) -> [String] {
    // A prefix of hex digits only: LIKE's wildcards cannot be in it.
    guard !prefix.isEmpty, prefix.allSatisfy(\.isHexDigit) else { return [] }
    let pattern = prefix.lowercased() + "%"
    return try read("trial ids") { db in
      try String.fetchAll(
        db,
        sql: """
          SELECT id FROM trials WHERE id LIKE ?1
          UNION SELECT trial_id FROM events WHERE trial_id LIKE ?1
          ORDER BY 1
          """, arguments: [pattern])
    }
  }

  /// Everything the journal holds about one trial, in time order: its events (dispatches,
  /// re-queues, retries, stops, refusals), the rows about no trial caused by the same input as
  /// one of them (a worker's leaving), and its result.
  public func story(of trialID: TrialID) throws(JournalError) -> [StoryEntry] {
    try read("the story of trial \(trialID.short)") { db in
      var entries: [(entry: StoryEntry, seq: Int64)] = try Row.fetchAll(
        db,
        sql: """
          SELECT seq, at, kind, worker_id, detail, stimulus, trial_id IS NULL AS cause
          FROM events
          WHERE trial_id = ?1
            OR (trial_id IS NULL AND stimulus IN
                 (SELECT stimulus FROM events WHERE trial_id = ?1 AND stimulus IS NOT NULL))
          """, arguments: [trialID.hex]
      ).map { row in
        (
          StoryEntry(
            at: row["at"], kind: row["kind"], workerID: row["worker_id"], detail: row["detail"],
            stimulus: row["stimulus"], isCause: row["cause"]),
          row["seq"]
        )
      }
      if let row = try Row.fetchOne(
        db,
        sql: """
          SELECT finished_at, status, attempt, worker, wall_seconds, metrics, stimulus
          FROM trials WHERE id = ?
          """, arguments: [trialID.hex])
      {
        let status: String = row["status"]
        let attempt: Int = row["attempt"]
        let seconds: Double = row["wall_seconds"]
        let metrics: String = row["metrics"]
        entries.append(
          (
            StoryEntry(
              at: row["finished_at"], kind: "result", workerID: row["worker"],
              detail:
                "attempt \(attempt) \(status) after \(String(format: "%.2f", seconds)) s \(metrics)",
              stimulus: row["stimulus"], isCause: false),
            Int64.max
          ))
      }
      // Rows written together share a time; the order they were written breaks ties, and the
      // result (written by the journal thread after the events of its input) comes last.
      entries.sort { ($0.entry.at, $0.seq) < ($1.entry.at, $1.seq) }
      return entries.map(\.entry)
    }
  }
}
