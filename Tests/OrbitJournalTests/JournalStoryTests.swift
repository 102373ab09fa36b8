import Foundation
import GRDB
import OrbitSpec
import OrbitTesting
import Testing

@testable import OrbitJournal

/// Stimulus ids in the journal (issue 26): a trial's story, and a journal from before them.
@Suite struct JournalStoryTests {
  static func directory() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "orbit-story-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.path
  }

  static func entry(_ id: TrialID, attempt: Int, stimulus: Int64?) -> JournalEntry {
    JournalEntry(
      outcome: TrialOutcome(
        trialID: id, index: 0, attempt: attempt, status: .ok, metricsJSON: #"{"loss":1}"#,
        wallSeconds: 2.5),
      index: 0, paramsJSON: #"{"x":0}"#, workerID: "w2", finishedAt: 0, stimulus: stimulus)
  }

  @Test func aTrialsStoryHoldsItsRowsTheCauseOfItsRequeueAndItsResultInTimeOrder() throws {
    let journal = try Journal(path: try Self.directory() + "/journal.sqlite")
    let sweep = try journal.beginSweep(
      name: "s", specPath: "s.yaml", specText: "x", fingerprint: "ab", trialCount: 2, now: 0)
    let t: TrialID = "t"
    let other: TrialID = "u"
    /// An event row: (at, stimulus, kind, trial, worker, detail).
    func event(
      _ at: Double, _ stimulus: Int64, _ kind: String, _ trial: TrialID?, _ worker: String,
      _ detail: String
    ) -> JournalJob {
      .event(
        kind: kind, trialID: trial, workerID: worker, detail: detail, now: at,
        stimulus: stimulus)
    }
    _ = try journal.apply(
      [
        event(10, 3, "dispatched", t, "w1", "attempt 1"),
        event(10, 3, "dispatched", other, "w1", "attempt 1"),
        // w1 dies: both its trials are re-queued by the same input, which also wrote its leaving.
        event(20, 7, "requeued", t, "w1", "attempt 1 back"),
        event(20, 7, "requeued", other, "w1", "attempt 1 back"),
        event(20, 7, "worker_left", nil, "w1", "connection closed"),
        // Another input's leaving, about no trial of t's: not in its story.
        event(21, 8, "worker_left", nil, "w9", "silent"),
        event(22, 9, "dispatched", t, "w2", "attempt 2"),
        .results([Self.entry(t, attempt: 2, stimulus: 12)], receivedAt: 30),
      ], sweepID: sweep)
    #expect(try journal.lastStimulus() == 12)
    #expect(try journal.trialIDs(startingWith: String(t.hex.prefix(6))) == [t.hex])
    #expect(try journal.trialIDs(startingWith: "%") == [])  // not hex: no LIKE wildcard
    let story = try journal.story(of: t)
    #expect(story.map(\.kind) == ["dispatched", "requeued", "worker_left", "dispatched", "result"])
    #expect(story.map(\.stimulus) == [3, 7, 7, 9, 12])
    #expect(story.map(\.isCause) == [false, false, true, false, false])
    #expect(story.last?.detail == #"attempt 2 ok after 2.50 s {"loss":1}"#)
    #expect(story.last?.workerID == "w2")
  }

  /// A journal written before stimulus ids (schema v6) opens, migrates, and tells what it has.
  @Test func aJournalFromBeforeStimulusIDsMigratesAndReads() throws {
    let path = try Self.directory() + "/journal.sqlite"
    let old = try DatabaseQueue(path: path)
    try JournalSchema.migrator.migrate(old, upTo: "v6-restart-state")
    let t: TrialID = "t"
    try old.write { db in
      try db.execute(
        sql:
          "INSERT INTO events (at, kind, trial_id, worker_id, detail) VALUES (5, 'retry', ?, NULL, 'again')",
        arguments: [t.hex])
    }
    try old.close()
    let journal = try Journal(path: path)
    #expect(try journal.events(kind: "retry").map(\.detail) == ["again"])
    #expect(try journal.lastStimulus() == 0)
    let story = try journal.story(of: t)
    #expect(story.map(\.kind) == ["retry"])
    #expect(story.map(\.stimulus) == [nil])
  }
}
