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
    _ = try journal.apply(
      [
        .event(
          kind: "dispatched", trialID: t, workerID: "w1", detail: "attempt 1", now: 10, stimulus: 3),
        .event(
          kind: "dispatched", trialID: other, workerID: "w1", detail: "attempt 1", now: 10,
          stimulus: 3),
        // w1 dies: both its trials are re-queued by the same input, which also wrote its leaving.
        .event(
          kind: "requeued", trialID: t, workerID: "w1", detail: "attempt 1 back", now: 20,
          stimulus: 7),
        .event(
          kind: "requeued", trialID: other, workerID: "w1", detail: "attempt 1 back", now: 20,
          stimulus: 7),
        .event(
          kind: "worker_left", trialID: nil, workerID: "w1", detail: "connection closed", now: 20,
          stimulus: 7),
        // Another input's leaving, about no trial of t's: not in its story.
        .event(
          kind: "worker_left", trialID: nil, workerID: "w9", detail: "silent", now: 21, stimulus: 8),
        .event(
          kind: "dispatched", trialID: t, workerID: "w2", detail: "attempt 2", now: 22, stimulus: 9),
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
